/**
 * Making two tokenized prompts the same shape, as a classifier-free-guidance batch needs: the conditional prompt and
 * the unconditional one ("" or a negative prompt) must have the same number of chunks and the same length per
 * chunk, because each chunk is one encoder call and the outputs are concatenated along the sequence axis.
 * Extra chunks are [BOS, EOS, pad...], the encoding of "" (what a chunked prompt's missing chunks mean).
 */
import { ModelError } from '../errors';
import { wrapChunk } from './chunks';
import { TOKENIZER_CODES } from './codes';
import type { Tokenized } from './types';

export function chunkLengths(tokenized: Tokenized): number[] {
  return tokenized.chunks.map((c) => c.length);
}

/** Pads every chunk with the pad id (and appends empty chunks) to exactly `lengths`. Never truncates. */
export function padToChunkLengths(tokenized: Tokenized, lengths: readonly number[]): Tokenized {
  const { chunks, special } = tokenized;
  const fits = chunks.length <= lengths.length && chunks.every((c, k) => c.length <= lengths[k]);
  if (!fits || lengths.some((n) => n < 2)) {
    throw new ModelError(TOKENIZER_CODES.length, `Expected ${JSON.stringify(tokenized.prompt)} ` +
      `to fit chunk lengths [${lengths.join(', ')}] but it needs [${chunkLengths(tokenized).join(', ')}].`, {
      hint: 'Use alignBatch() to grow both prompts to a common shape instead.',
      details: { needed: chunkLengths(tokenized), target: [...lengths] },
    });
  }
  const padded = lengths.map((n, k) => (k < chunks.length
    ? [...chunks[k], ...new Array<number>(n - chunks[k].length).fill(special.pad)]
    : wrapChunk([], n, special)));
  const ids = padded.flat();
  const oldStarts = starts(chunks.map((c) => c.length));
  const newStarts = starts(lengths);
  // Positions are absolute, so growing an earlier chunk shifts every later word.
  const move = (position: number): number => {
    let k = oldStarts.length - 1;
    while (oldStarts[k] > position) k--;
    return newStarts[k] + (position - oldStarts[k]);
  };
  const words = tokenized.words.map((w) => ({ ...w, tokenPositions: w.tokenPositions.map(move) }));
  return { ...tokenized, chunks: padded, ids, length: ids.length, words };
}

function starts(lengths: readonly number[]): number[] {
  const out: number[] = [];
  lengths.reduce((at, n) => (out.push(at), at + n), 0);
  return out;
}

/** Both prompts padded to the per-chunk maximum of the two (padding goes after each EOS; word positions follow). */
export function alignBatch(a: Tokenized, b: Tokenized): [Tokenized, Tokenized] {
  const count = Math.max(a.chunks.length, b.chunks.length);
  const lengths = Array.from({ length: count }, (_, k) => Math.max(a.chunks[k]?.length ?? 2, b.chunks[k]?.length ?? 2));
  return [padToChunkLengths(a, lengths), padToChunkLengths(b, lengths)];
}
