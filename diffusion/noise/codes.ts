/**
 * Error codes raised by diffusion/noise (every one is thrown as a `ModelError`):
 *
 * - E_NOISE_SEED    a seed is not an integer in [0, 2^64 - 1] (number seeds must also be safe integers).
 * - E_NOISE_STREAM  a stream id is not an integer in [0, 2^32 - 1], or a start block is not a non-negative integer.
 * - E_NOISE_DIMS    requested dims are not non-negative integers.
 */
export const NOISE_CODES = {
  seed: 'E_NOISE_SEED',
  stream: 'E_NOISE_STREAM',
  dims: 'E_NOISE_DIMS',
} as const;
