import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/samplers, each thrown as a `ModelError`. */
export const SAMPLER_ERRORS = {
  E_SAMPLER_SHAPE: { summary: 'x, denoised, denoisedForNoise and noise do not all have the same dims.' },
  E_SAMPLER_SIGMA: { summary: 'sigma is not finite and > 0, or sigmaNext is not in [0, sigma) (re-noising: sigmaTo < sigmaFrom).' },
  E_SAMPLER_NOISE_MISSING: { summary: 'A stochastic step (ancestral, DDIM with eta > 0, re-noising) was called without noise.' },
  E_SAMPLER_OPTIONS: { summary: 'A sampler option is out of range (eta < 0), or a sampler or prediction-type name is unknown.' },
} as const satisfies CodeTable;

export type SamplerErrorCode = keyof typeof SAMPLER_ERRORS;

/** Short names used at the throw sites. */
export const SAMPLER_CODES = {
  shape: 'E_SAMPLER_SHAPE',
  sigma: 'E_SAMPLER_SIGMA',
  noiseMissing: 'E_SAMPLER_NOISE_MISSING',
  options: 'E_SAMPLER_OPTIONS',
} as const satisfies Record<string, SamplerErrorCode>;
