/**
 * Packing of a prompt's content tokens into encoder calls.
 *
 *   pieces:   [a] [photo] [of] [a] [cat] ...            (ids of each pre-token)
 *   content:  ≤ 75 tokens per chunk, breaking between pieces when a piece still fits a fresh chunk
 *   chunk:    [BOS, content..., EOS, pad...]            (pad only in fixed mode or up to `multipleOf`)
 *   ids:      chunk 0 ++ chunk 1 ++ ...                 (encoder outputs are concatenated the same way)
 *
 * Breaking between pieces keeps a word's sub-tokens in one encoder call, where they can attend to each other.
 */
import { ModelError } from '../errors';
import { TOKENIZER_CODES } from './codes';
import type { TokenizeOptions } from './types';

/** BOS + EOS: the slots of a chunk that are not content. */
const SPECIAL_SLOTS = 2;

export interface PackedPrompt {
  readonly chunks: number[][];
  /** positions[w] = absolute positions of piece w's tokens (empty when truncated away). */
  readonly positions: number[][];
}

export interface PackIds {
  readonly bos: number;
  readonly eos: number;
  readonly pad: number;
  readonly modelMaxLength: number;
}

export function packPrompt(pieceIds: readonly (readonly number[])[], options: TokenizeOptions, ids: PackIds): PackedPrompt {
  const capacity = ids.modelMaxLength - SPECIAL_SLOTS;
  const total = pieceIds.reduce((n, p) => n + p.length, 0);
  const overflow = options.mode === 'fixed' ? options.overflow ?? 'error' : 'chunk';
  if (overflow !== 'error' && overflow !== 'truncate' && overflow !== 'chunk') {
    throw new ModelError(TOKENIZER_CODES.options, `Expected overflow 'error', 'truncate' or 'chunk' ` +
      `but received ${JSON.stringify(overflow)}.`);
  }
  if (total > capacity && overflow === 'error') {
    throw new ModelError(TOKENIZER_CODES.promptTooLong, `Expected at most ${capacity} tokens for a fixed-length (${ids.modelMaxLength}) ` +
      `prompt but received ${total}.`, {
      hint: "Shorten the prompt, use adaptive mode (chunks of 75 tokens), or set overflow to 'chunk' " +
        "(or 'truncate' to drop the excess like the reference does).",
      details: { tokens: total, capacity },
    });
  }
  // content[k] = content ids of chunk k; slot[w] = [chunk, offset] of each token of piece w
  const content: number[][] = [[]];
  const slots: Array<Array<readonly [number, number]>> = [];
  for (const piece of pieceIds) {
    let current = content[content.length - 1];
    if (overflow !== 'truncate' && current.length > 0 && current.length + piece.length > capacity && piece.length <= capacity) {
      current = [];
      content.push(current);
    }
    const mine: Array<readonly [number, number]> = [];
    for (const id of piece) {
      if (current.length === capacity) {
        if (overflow === 'truncate') break;
        current = [];
        content.push(current);
      }
      mine.push([content.length - 1, current.length]);
      current.push(id);
    }
    slots.push(mine);
  }
  const chunks = content.map((c) => wrapChunk(c, chunkLength(c.length, options, ids.modelMaxLength), ids));
  const starts: number[] = [];
  chunks.reduce((at, c) => (starts.push(at), at + c.length), 0);
  const positions = slots.map((mine) => mine.map(([k, offset]) => starts[k] + 1 + offset));
  return { chunks, positions };
}

function chunkLength(contentLength: number, options: TokenizeOptions, modelMaxLength: number): number {
  const exact = contentLength + SPECIAL_SLOTS;
  if (options.mode === 'fixed') return modelMaxLength;
  const multiple = options.multipleOf ?? 1;
  if (!Number.isInteger(multiple) || multiple < 1) {
    throw new ModelError(TOKENIZER_CODES.options, 'Expected multipleOf to be a positive integer ' +
      `but received ${JSON.stringify(options.multipleOf)}.`, {
      hint: 'Use 8 (friendly to attention kernels) or leave it unset.',
    });
  }
  return Math.min(modelMaxLength, Math.ceil(exact / multiple) * multiple);
}

/** [BOS, content..., EOS, pad...] of exactly `length` ids. */
export function wrapChunk(content: readonly number[], length: number, ids: Pick<PackIds, 'bos' | 'eos' | 'pad'>): number[] {
  const chunk = [ids.bos, ...content, ids.eos];
  while (chunk.length < length) chunk.push(ids.pad);
  return chunk;
}
