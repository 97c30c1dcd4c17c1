import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/noise, each thrown as a `ModelError`. */
export const NOISE_ERRORS = {
  E_NOISE_SEED: { summary: 'A seed is not an integer in [0, 2^64 - 1] (number seeds must also be safe integers).' },
  E_NOISE_STREAM: { summary: 'A stream id is not an integer in [0, 2^32 - 1], or a start block is not a non-negative integer.' },
  E_NOISE_DIMS: { summary: 'Requested noise dims are not non-negative integers.' },
} as const satisfies CodeTable;

export type NoiseErrorCode = keyof typeof NOISE_ERRORS;

/** Short names used at the throw sites. */
export const NOISE_CODES = {
  seed: 'E_NOISE_SEED',
  stream: 'E_NOISE_STREAM',
  dims: 'E_NOISE_DIMS',
} as const satisfies Record<string, NoiseErrorCode>;
