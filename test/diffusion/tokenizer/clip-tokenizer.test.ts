import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textToByteSymbols } from '../../../diffusion/tokenizer/bytes';
import { BOS, EOS, clipData, clipTokenizer } from './clip-vocab';

const tok = clipTokenizer('sd1');
const noSpaces = (s: string) => s.replace(/\s+/g, '');

// Ids below are CLIP vocabulary facts: 'x</w>' for a single byte x is 256 + its byte-symbol index
// ('!' 0 -> 256, ',' 11 -> 267, '0'..'9' 15..24 -> 271..280); a merged token is 512 + its rank in merges.txt
// (photo</w> 1125, cat</w> 2368, dog</w> 1929, dogs</w> 3255, hello</w> 3306, world</w> 1002).
test('"a photo of a cat" gives the published CLIP ids (runtime-facts.md)', () => {
  assert.deepEqual(tok.tokenize('a photo of a cat', { mode: 'adaptive' }).ids, [BOS, 320, 1125, 539, 320, 2368, EOS]);
  assert.deepEqual(tok.encode('hello world'), [3306, 1002]);
});

test('punctuation runs and single digits are their own pieces', () => {
  assert.deepEqual(tok.encode('a cat, a dog!'), [320, 2368, 267, 320, 1929, 256]);
  assert.deepEqual(tok.encode('3 dogs'), [274, 3255]);
  assert.deepEqual(tok.encode('2024'), [273, 271, 273, 275], 'CLIP splits digits one by one');
  assert.deepEqual(tok.encode("dog's"), [1929, tok.tokenToId("'s</w>")], "the 's contraction is split off");
});

test('clean-up: case and whitespace do not matter; HTML entities are NOT unescaped', () => {
  assert.deepEqual(tok.encode('  A   PHOTO\tof a\ncat  '), tok.encode('a photo of a cat'));
  assert.deepEqual(tok.encode('&amp;'), [tok.tokenToId('&</w>'), tok.tokenToId('amp</w>'), tok.tokenToId(';</w>')]);
  assert.notDeepEqual(tok.encode('&amp;'), tok.encode('&'));
});

test('non-ASCII text becomes byte-level tokens of the real vocabulary and decodes back', () => {
  const vocab = clipData().vocab;
  // "café" (bytes 63 61 66 C3 A9) and the dog emoji (F0 9F 90 B6) are whole entries of the vocabulary, spelled
  // in byte symbols: "cafÃ©</w>" and "ðŁĲ¶</w>".
  const entry = (text: string) => vocab[textToByteSymbols(text).join('') + '</w>'];
  assert.equal(textToByteSymbols('café').join(''), 'caf\u00c3\u00a9');
  assert.deepEqual(tok.encode('café'), [entry('café')]);
  assert.deepEqual(tok.encode('🐶'), [entry('🐶')]);
  assert.deepEqual(tok.encode('cafe\u0301'), tok.encode('café'), 'NFC normalisation (ftfy default)');
  for (const text of ['café', '🐶🐱', '猫咪在桌子上', 'naïve über straße', 'Ωmega — “quoted”', 'x²+y²', '👩‍🚀 astronaut']) {
    const ids = tok.encode(text);
    assert.ok(ids.length > 0 && ids.every((id) => Number.isInteger(id) && id >= 0 && id < BOS), text);
    assert.equal(noSpaces(tok.decode(ids)), noSpaces(text.normalize('NFC').toLowerCase()), text);
  }
});

test('decode round-trips: exact for space-separated words, modulo spaces around punctuation otherwise', () => {
  for (const text of ['a photo of a cat', 'an oil painting of my dog on the beach at sunset', 'hello world']) {
    assert.equal(tok.decode(tok.tokenize(text, { mode: 'fixed' }).ids), text);
  }
  for (const text of ['A cat, a dog!', "it's 3:45 pm...", '(masterpiece:1.2), [best quality]', 'e-mail me@example.com']) {
    assert.equal(noSpaces(tok.decode(tok.encode(text))), noSpaces(text.toLowerCase()));
  }
  assert.equal(tok.decode([BOS, 320, EOS, 0, 0], { skipSpecial: false }), '<|startoftext|>a <|endoftext|>!!');
  assert.throws(() => tok.decode([49408]), { code: 'E_TOKENIZER_ID_UNKNOWN' });
});

test('fixed mode pads to 77 with the configured pad id (SD 1: EOS 49407, SD 2: "!" = 0)', () => {
  const sd1 = tok.tokenize('a photo of a cat', { mode: 'fixed' });
  assert.equal(sd1.length, 77);
  assert.deepEqual(sd1.ids.slice(0, 8), [BOS, 320, 1125, 539, 320, 2368, EOS, EOS]);
  assert.ok(sd1.ids.slice(7).every((id) => id === EOS));
  const sd2 = clipTokenizer('sd2').tokenize('a photo of a cat', { mode: 'fixed' });
  assert.equal(sd2.length, 77);
  assert.deepEqual(sd2.ids.slice(0, 8), [BOS, 320, 1125, 539, 320, 2368, EOS, 0]);
  assert.ok(sd2.ids.slice(7).every((id) => id === 0));
  assert.deepEqual(sd2.chunks, [sd2.ids]);
  assert.equal(clipTokenizer('sd2').decode(sd2.ids), 'a photo of a cat', '"!" padding after EOS is not text');
});

test('adaptive mode keeps the real length; multipleOf pads up with the pad id but never past 77', () => {
  const t = tok.tokenize('a photo of a cat', { mode: 'adaptive' });
  assert.equal(t.length, 7);
  assert.deepEqual(tok.tokenize('', { mode: 'adaptive' }).ids, [BOS, EOS]);
  const eight = clipTokenizer('sd2').tokenize('a photo of a cat', { mode: 'adaptive', multipleOf: 8 });
  assert.deepEqual(eight.ids, [BOS, 320, 1125, 539, 320, 2368, EOS, 0]);
  const long = tok.tokenize(Array(74).fill('cat').join(' '), { mode: 'adaptive', multipleOf: 8 });
  assert.equal(long.length, 77, '76 tokens round up to 80, capped at the model length');
  assert.throws(() => tok.tokenize('a', { mode: 'adaptive', multipleOf: 0 }), { code: 'E_TOKENIZER_OPTIONS' });
  assert.throws(() => tok.tokenize('a', { mode: 'dynamic' } as never), { code: 'E_TOKENIZER_OPTIONS' });
  assert.throws(() => tok.tokenize('a', { mode: 'fixed', overflow: 'drop' } as never), { code: 'E_TOKENIZER_OPTIONS' });
});

test('words carry original character offsets and absolute token positions', () => {
  const prompt = '  A Photo of  an astronaut-cat';
  const t = tok.tokenize(prompt, { mode: 'adaptive' });
  assert.deepEqual(t.words.map((w) => w.text), ['a', 'photo', 'of', 'an', 'astronaut', '-', 'cat']);
  assert.deepEqual(t.words.map((w) => prompt.slice(w.charStart, w.charEnd)), ['A', 'Photo', 'of', 'an', 'astronaut', '-', 'cat']);
  const positions = t.words.flatMap((w) => w.tokenPositions);
  assert.deepEqual(positions, Array.from({ length: t.length - 2 }, (_, i) => i + 1), 'every content token belongs to one word, in order');
  for (const w of t.words) assert.equal(tok.decode(w.tokenPositions.map((p) => t.ids[p])), w.text);
});
