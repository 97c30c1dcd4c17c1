/**
 * Per-token layout weights at full image resolution (Cones 2, paper section 3.3 and Algorithm 1; docs/method.md
 * section 4). For a prompt of L tokens and an image of H x W pixels the paper's map W is [L, H, W]:
 *
 *   token of subject k, pixel inside region k   W = +strength_k
 *   token of subject k, pixel anywhere else     hard negative (the reference's -1e8): a boolean mask here
 *   every other token (BOS, EOS, padding, ...)  W = 0, never masked
 *
 * Memory: dense [L, H, W] float32 is 77 * 768 * 768 * 4 B = 182 MB, almost all zeros. Only subject tokens have
 * non-zero rows, and all tokens of one subject share one row, so this stores one [H, W] byte mask per subject
 * (590 KB at 768x768) plus its token positions; `denseWeightMaps` expands it for small sizes and tests.
 */
import { ModelError } from '../errors';
import { f32, type F32Tensor } from '../tensor';
import { LAYOUT_CODES } from './codes';
import { checkSize, checkStrength } from './regions';

/** One subject as the UNet sees it: the caller has resolved its phrase to token positions (every occurrence). */
export interface TokenSubject {
  readonly positions: readonly number[];
  /** [height, width] row-major, non-zero inside. */
  readonly mask: Uint8Array;
  readonly strength: number;
  /** For messages only. */
  readonly phrase?: string;
}

export interface TokenWeightMaps {
  /** Sequence length L (T of the attention logits). */
  readonly length: number;
  readonly height: number;
  readonly width: number;
  readonly subjects: readonly TokenSubject[];
  /** subjectOfToken[l] = index into subjects, or -1 for tokens without a region. */
  readonly subjectOfToken: Int32Array;
}

export function buildTokenWeightMaps(subjects: readonly TokenSubject[], length: number, height: number, width: number): TokenWeightMaps {
  checkSize('sequence length', length);
  checkSize('image height', height);
  checkSize('image width', width);
  const subjectOfToken = new Int32Array(length).fill(-1);
  subjects.forEach((subject, k) => {
    const name = subject.phrase ?? `#${k}`;
    checkStrength(name, subject.strength);
    if (subject.mask.length !== height * width) {
      throw new ModelError(LAYOUT_CODES.maskSize, `Expected a ${width}x${height} mask (${height * width} values) for subject "${name}" ` +
        `but received ${subject.mask.length} values.`, {
        hint: 'Rasterise every region at the image size first (rasteriseSubjects / readColourLayout).',
      });
    }
    for (const p of subject.positions) {
      if (!Number.isInteger(p) || p < 0 || p >= length) {
        const message = `Expected token positions in [0, ${length}) for subject "${name}" but received ${p}.`;
        throw new ModelError(LAYOUT_CODES.tokenPosition, message, {
          hint: 'Positions count BOS as 0 and must fall inside the encoded prompt.',
        });
      }
      if (subjectOfToken[p] !== -1 && subjectOfToken[p] !== k) {
        const other = subjects[subjectOfToken[p]].phrase ?? `#${subjectOfToken[p]}`;
        throw new ModelError(LAYOUT_CODES.tokenConflict, 'Expected each token to belong to one subject ' +
          `but position ${p} is claimed by "${other}" and "${name}".`, {
          hint: 'Give each subject its own words in the prompt.',
        });
      }
      subjectOfToken[p] = k;
    }
  });
  return { length, height, width, subjects, subjectOfToken };
}

/** W_pos at (token, y, x): +strength inside the token's own region, 0 everywhere else. */
export function positiveWeight(maps: TokenWeightMaps, token: number, y: number, x: number): number {
  const k = maps.subjectOfToken[token];
  if (k < 0) return 0;
  const subject = maps.subjects[k];
  return subject.mask[y * maps.width + x] ? subject.strength : 0;
}

/** The hard negative at (token, y, x): true for a subject token outside its own region. */
export function isNegative(maps: TokenWeightMaps, token: number, y: number, x: number): boolean {
  const k = maps.subjectOfToken[token];
  return k >= 0 && !maps.subjects[k].mask[y * maps.width + x];
}

/** Dense expansion (wPos [L, H, W], negMask [L, H, W]); memory L * H * W * 5 bytes, for small sizes and tests. */
export function denseWeightMaps(maps: TokenWeightMaps): { wPos: F32Tensor; negMask: Uint8Array } {
  const { length, height, width } = maps;
  const plane = height * width;
  const wPos = f32([length, height, width]); // [L, H, W]
  const negMask = new Uint8Array(length * plane); // [L, H, W]
  for (let l = 0; l < length; l++) {
    const k = maps.subjectOfToken[l];
    if (k < 0) continue;
    const { mask, strength } = maps.subjects[k];
    for (let i = 0; i < plane; i++) {
      if (mask[i]) wPos.data[l * plane + i] = strength;
      else negMask[l * plane + i] = 1;
    }
  }
  return { wPos, negMask };
}
