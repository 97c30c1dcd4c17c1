import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BYTE_SYMBOLS_IN_VOCAB_ORDER } from '../../../diffusion/tokenizer/bytes';
import { ClipTokenizer } from '../../../diffusion/tokenizer/clip-tokenizer';
import { loadClipTokenizer } from '../../../diffusion/tokenizer/load';
import { BOS, EOS, SD1_SPECIAL_TOKENS, TOKENIZER_CONFIG, clipData, removeTokenizerFolders, writeTokenizerFolder } from './clip-vocab';

after(removeTokenizerFolders);

const SHAPES = fileURLToPath(new URL('../../../models/shapes/tokenizer/', import.meta.url));

test('loads an SD 2 folder: ids, "!" padding and model_max_length come from the files', async () => {
  const dir = writeTokenizerFolder({ 'tokenizer_config.json': JSON.stringify({ ...TOKENIZER_CONFIG, model_max_length: 20 }) });
  const tok = await loadClipTokenizer(dir);
  assert.equal(tok.vocabSize, 49408);
  assert.deepEqual(tok.config.pad, { token: '!', id: 0 });
  assert.equal(tok.config.modelMaxLength, 20);
  const t = tok.tokenize('a photo of a cat', { mode: 'fixed' });
  assert.deepEqual(t.ids, [BOS, 320, 1125, 539, 320, 2368, EOS, ...Array(13).fill(0)]);
});

test('special tokens as AddedToken objects; special_tokens_map wins over tokenizer_config', async () => {
  const added = (content: string) => ({
    __type: 'AddedToken', content, lstrip: false, normalized: true, rstrip: false, single_word: false,
  });
  const dir = writeTokenizerFolder({
    'special_tokens_map.json': JSON.stringify({
      bos_token: added('<|startoftext|>'), eos_token: added('<|endoftext|>'), pad_token: '<|endoftext|>',
    }),
    'tokenizer_config.json': JSON.stringify({ ...TOKENIZER_CONFIG, pad_token: '!', model_max_length: 1000000000000000019884624838656 }),
  });
  const tok = await loadClipTokenizer(dir);
  assert.equal(tok.config.pad.id, EOS);
  assert.equal(tok.config.modelMaxLength, 77, "transformers' 'unset' sentinel falls back to CLIP's 77");
});

test('missing files are a coded error naming the folder and the file', async () => {
  const dir = writeTokenizerFolder({ 'merges.txt': undefined });
  await assert.rejects(loadClipTokenizer(dir), (err: any) => {
    assert.equal(err.code, 'E_TOKENIZER_FILES_MISSING');
    assert.ok(err.message.includes(dir) && err.message.includes('merges.txt'), err.message);
    return true;
  });
  const noConfig = writeTokenizerFolder({ 'special_tokens_map.json': undefined, 'tokenizer_config.json': undefined });
  await assert.rejects(loadClipTokenizer(noConfig), { code: 'E_TOKENIZER_FILES_MISSING' });
  await assert.rejects(loadClipTokenizer('/nonexistent/tokenizer'), /vocab\.json, merges\.txt/);
});

test('malformed vocabularies, merges and configs are coded errors', async () => {
  await assert.rejects(loadClipTokenizer(writeTokenizerFolder({ 'vocab.json': '{"a": 1,' })), { code: 'E_TOKENIZER_VOCAB_INVALID' });
  const badConfig = writeTokenizerFolder({ 'tokenizer_config.json': 'not json' });
  await assert.rejects(loadClipTokenizer(badConfig), { code: 'E_TOKENIZER_CONFIG_INVALID' });
  const data = clipData();
  const build = (vocab: unknown, extra: Partial<{ merges: string; map: unknown; config: unknown }> = {}) => () =>
    new ClipTokenizer({
      vocab, merges: extra.merges ?? data.mergesText,
      specialTokensMap: extra.map ?? SD1_SPECIAL_TOKENS, tokenizerConfig: extra.config ?? TOKENIZER_CONFIG,
    });
  assert.throws(build(['a', 'b']), { code: 'E_TOKENIZER_VOCAB_INVALID' });
  assert.throws(build({ ...data.vocab, cat: 'x' }), { code: 'E_TOKENIZER_VOCAB_INVALID' });
  assert.throws(build({ ...data.vocab, cat: 1.5 }), { code: 'E_TOKENIZER_VOCAB_INVALID' });
  assert.throws(build({ ...data.vocab, 'zzz-new': 320 }), /both have id 320/);
  const { a: _a, ...noA } = data.vocab;
  assert.throws(build(noA), /256 byte-level symbols/);
  assert.throws(
    build(data.vocab, { merges: '#version: 0.2\na b c\n' }),
    (err: any) => err.code === 'E_TOKENIZER_MERGES_INVALID' && /line 2/.test(err.message),
  );
  assert.throws(build(data.vocab, { map: { pad_token: '<pad>' } }), { code: 'E_TOKENIZER_SPECIAL_TOKEN' });
  assert.throws(build(data.vocab, { config: { model_max_length: 2 } }), { code: 'E_TOKENIZER_CONFIG_INVALID' });
  assert.throws(build(data.vocab, { config: [] }), { code: 'E_TOKENIZER_CONFIG_INVALID' });
});

test('the byte-symbol order matches an independently written vocab.json (GPT-2: space is "Ġ" = U+0120)', (t) => {
  const vocabPath = `${SHAPES}vocab.json`;
  if (!existsSync(vocabPath)) return t.skip('models/shapes/tokenizer/ not written yet');
  const shapes: Record<string, number> = JSON.parse(readFileSync(vocabPath, 'utf8'));
  BYTE_SYMBOLS_IN_VOCAB_ORDER.forEach((symbol, id) => assert.equal(shapes[symbol], id, symbol));
  assert.equal(shapes['\u0120'], BYTE_SYMBOLS_IN_VOCAB_ORDER.indexOf('\u0120'));
});

test('the project-trained shapes tokenizer tokenises and round-trips its prompts', async (t) => {
  if (!existsSync(SHAPES)) return t.skip('models/shapes/tokenizer/ not written yet');
  const tok = await loadClipTokenizer(SHAPES);
  const prompt = 'a red circle and a blue square';
  const out = tok.tokenize(prompt, { mode: 'adaptive' });
  assert.equal(out.ids[0], tok.config.bos.id);
  assert.equal(out.ids[out.length - 1], tok.config.eos.id);
  assert.equal(tok.decode(out.ids), prompt);
  assert.deepEqual(out.words.map((w) => w.text), prompt.split(' '));
  for (const w of out.words) {
    assert.ok(w.tokenPositions.length >= 1, w.text);
    assert.equal(tok.decode(w.tokenPositions.map((p) => out.ids[p])), w.text);
  }
  const contentIds = out.words.flatMap((w) => w.tokenPositions.map((p) => out.ids[p]));
  assert.ok(!contentIds.includes(tok.config.unk.id), 'no symbol fell back to unk');
});
