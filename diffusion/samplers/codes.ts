/**
 * Error codes raised by diffusion/samplers (every one is thrown as a `ModelError`):
 *
 * - E_SAMPLER_SHAPE          x, denoised, denoisedForNoise and noise do not all have the same dims.
 * - E_SAMPLER_SIGMA          sigma is not finite and > 0, or sigmaNext is not in [0, sigma) (re-noising: sigmaTo < sigmaFrom).
 * - E_SAMPLER_NOISE_MISSING  a stochastic step (ancestral, DDIM with eta > 0, re-noising) was called without noise.
 * - E_SAMPLER_OPTIONS        a sampler option is out of range (eta < 0) or a sampler/prediction name is unknown.
 */
export const SAMPLER_CODES = {
  shape: 'E_SAMPLER_SHAPE',
  sigma: 'E_SAMPLER_SIGMA',
  noiseMissing: 'E_SAMPLER_NOISE_MISSING',
  options: 'E_SAMPLER_OPTIONS',
} as const;
