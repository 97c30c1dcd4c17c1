/**
 * Samplers, listed explicitly. All share `Sampler.step(state, { x, sigma, sigmaNext, denoised, denoisedForNoise, noise? })`.
 */
import { ModelError } from '../errors';
import { SAMPLER_CODES } from './codes';
import { ddim } from './ddim';
import { dpmpp2m } from './dpmpp-2m';
import { euler } from './euler';
import { eulerAncestral } from './euler-ancestral';
import type { Sampler } from './types';

export const SAMPLER_NAMES = ['euler', 'euler_ancestral', 'ddim', 'dpmpp_2m'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface SamplerOptions {
  /** Stochasticity of euler_ancestral (default 1) and ddim (default 0); ignored by the others. */
  eta?: number;
}

export function createSampler(name: SamplerName, options: SamplerOptions = {}): Sampler {
  switch (name) {
    case 'euler':
      return euler;
    case 'euler_ancestral':
      return eulerAncestral(options);
    case 'ddim':
      return ddim(options);
    case 'dpmpp_2m':
      return dpmpp2m;
    default:
      throw new ModelError(SAMPLER_CODES.options, `Expected a sampler name among ${SAMPLER_NAMES.join(', ')} ` +
        `but received ${String(name)}.`);
  }
}

export { euler, eulerStep } from './euler';
export { eulerAncestral, ancestralSigmas } from './euler-ancestral';
export type { AncestralSigmas } from './euler-ancestral';
export { ddim } from './ddim';
export { dpmpp2m, dpmpp2mStep } from './dpmpp-2m';
export { renoise } from './renoise';
export { cIn, modelInput, modelTimestep, denoisedFromOutput } from './denoiser';
export { INITIAL_SAMPLER_STATE } from './types';
export type { Sampler, SamplerState, SamplerStepInput, SamplerStepOutput } from './types';
export { SAMPLER_CODES } from './codes';
