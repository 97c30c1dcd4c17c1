/**
 * Seeded standard-normal noise that is bit-identical on every machine running Node (V8).
 *
 * Generator: Philox4x32-10 (./philox.ts), key = the 64-bit seed (low word k0, high word k1), counter =
 * (block index low, block index high, stream id, 0). Each block's four uint32 words give two uniforms with 53
 * bits each, and one Box-Muller transform (Box & Muller 1958) turns them into two normals:
 *
 *     u1 = (floor(w0 / 2^5) * 2^26 + floor(w1 / 2^6) + 0.5) / 2^53          in (0, 1), never 0, so ln(u1) is finite
 *     u2 = (floor(w2 / 2^5) * 2^26 + floor(w3 / 2^6)) / 2^53                in [0, 1)
 *     z0 = sqrt(-2 ln u1) cos(2 pi u2),   z1 = sqrt(-2 ln u1) sin(2 pi u2)  (float64, then rounded to float32)
 *
 * Element n of a draw is z_(n mod 2) of block (offset + floor(n / 2)). Reproducibility across machines rests on
 * integer Philox and on the Math.log/cos/sin implementations V8 bundles (not the platform libm); the float32 rounding at
 * the end absorbs any last-ulp difference a future engine might introduce in all but astronomically rare cases.
 *
 * This is NOT torch.randn: reference fixtures store their noise, so torch compatibility is not needed.
 */
import { ModelError } from '../errors';
import { type F32Tensor, f32, tensorSize } from '../tensor';
import { NOISE_CODES } from './codes';
import { philox4x32 } from './philox';

/** Stream ids separate the initial latent from per-step noise drawn with the same seed (else they would coincide). */
export const LATENT_NOISE_STREAM = 0;
export const STEP_NOISE_STREAM = 1;

const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;
const TWO_POW_26 = 2 ** 26;
const MAX_SEED = (1n << 64n) - 1n;

export type Seed = number | bigint;

/** Splits a seed into Philox's two key words, rejecting anything that is not an integer in [0, 2^64 - 1]. */
export function seedToKey(seed: Seed): [number, number] {
  let big: bigint;
  if (typeof seed === 'bigint') {
    big = seed;
  } else if (Number.isSafeInteger(seed)) {
    big = BigInt(seed);
  } else {
    throw new ModelError(NOISE_CODES.seed, `Expected an integer seed (a safe integer number or a bigint) but received ${seed}.`, {
      hint: 'Use a whole number such as 0 or 42; seeds above 2^53 - 1 must be passed as a bigint.',
    });
  }
  if (big < 0n || big > MAX_SEED) {
    throw new ModelError(NOISE_CODES.seed, `Expected a seed in [0, 2^64 - 1] but received ${big}.`, {
      hint: 'Use a non-negative seed below 18446744073709551616.',
    });
  }
  return [Number(big & 0xffffffffn), Number(big >> 32n)];
}

function checkStream(stream: number): void {
  if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_POW_32) {
    throw new ModelError(NOISE_CODES.stream, `Expected a stream id that is an integer in [0, 2^32 - 1] but received ${stream}.`);
  }
}

function checkDims(dims: readonly number[]): void {
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ModelError(NOISE_CODES.dims, `Expected dims of non-negative integers but received [${dims.join(', ')}].`);
  }
}

/** Fills `out` with normals from Philox blocks firstBlock, firstBlock + 1, ... (two values per block). */
function fillNormals(out: Float32Array, key: [number, number], stream: number, firstBlock: number): void {
  const words = new Uint32Array(4);
  const blocks = Math.ceil(out.length / 2);
  for (let b = 0; b < blocks; b++) {
    const block = firstBlock + b;
    philox4x32(block % TWO_POW_32, Math.floor(block / TWO_POW_32), stream, 0, key[0], key[1], words);
    const u1 = ((words[0] >>> 5) * TWO_POW_26 + (words[1] >>> 6) + 0.5) / TWO_POW_53;
    const u2 = ((words[2] >>> 5) * TWO_POW_26 + (words[3] >>> 6)) / TWO_POW_53;
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    out[2 * b] = radius * Math.cos(angle);
    if (2 * b + 1 < out.length) out[2 * b + 1] = radius * Math.sin(angle);
  }
}

/** A tensor of standard normals, a pure function of (seed, dims, stream). */
export function gaussian(seed: Seed, dims: readonly number[], stream: number = LATENT_NOISE_STREAM): F32Tensor {
  return noiseStream(seed, stream).next(dims);
}

export interface NoiseStream {
  /** The next tensor of standard normals. Each draw starts on a fresh Philox block, so draws never share values. */
  next(dims: readonly number[]): F32Tensor;
  /** Philox blocks consumed so far: with (seed, stream) it pins the stream's position, e.g. to resume a run. */
  readonly position: number;
}

/**
 * A stream of per-step noise tensors (e.g. the ancestral sampler's z_i or the self-recurrence re-noising).
 * The n-th draw depends only on (seed, stream, sizes of the draws before it), never on timing or chunking.
 */
export function noiseStream(seed: Seed, stream: number = STEP_NOISE_STREAM, startBlock = 0): NoiseStream {
  const key = seedToKey(seed);
  checkStream(stream);
  if (!Number.isSafeInteger(startBlock) || startBlock < 0) {
    throw new ModelError(NOISE_CODES.stream, 'Expected a non-negative integer start block for the noise stream ' +
      `but received ${startBlock}.`);
  }
  let block = startBlock;
  return {
    next(dims: readonly number[]): F32Tensor {
      checkDims(dims);
      const out = f32(dims);
      fillNormals(out.data, key, stream, block);
      block += Math.ceil(tensorSize(dims) / 2);
      return out;
    },
    get position() {
      return block;
    },
  };
}
