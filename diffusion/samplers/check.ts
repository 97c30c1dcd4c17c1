/** Input checks shared by every sampler, so each step file holds only its algorithm. */
import { ModelError } from '../errors';
import type { F32Tensor } from '../tensor';
import { SAMPLER_CODES } from './codes';
import type { SamplerStepInput } from './types';

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkSameDims(name: string, expected: F32Tensor, tensors: Record<string, F32Tensor | undefined>): void {
  for (const [key, t] of Object.entries(tensors)) {
    if (t && !sameDims(t.dims, expected.dims)) {
      throw new ModelError(SAMPLER_CODES.shape, `Expected ${key} of dims [${expected.dims.join(', ')}] (those of x) for ${name} ` +
        `but received [${t.dims.join(', ')}].`, {
        hint: 'Pass predictions for the same latent batch as x.',
      });
    }
  }
}

/** sigma > 0 and finite, sigmaNext in [0, sigma). */
export function checkSigmaPair(name: string, sigma: number, sigmaNext: number): void {
  if (!(Number.isFinite(sigma) && sigma > 0 && Number.isFinite(sigmaNext) && sigmaNext >= 0 && sigmaNext < sigma)) {
    throw new ModelError(SAMPLER_CODES.sigma, `Expected 0 <= sigmaNext < sigma with sigma finite and > 0 for ${name} ` +
      `but received sigma ${sigma}, sigmaNext ${sigmaNext}.`, {
      hint: 'Take consecutive entries of a decreasing sigma schedule (inferencePlan().sigmas[i], sigmas[i + 1]).',
    });
  }
}

export function checkStepInput(name: string, input: SamplerStepInput): void {
  checkSigmaPair(name, input.sigma, input.sigmaNext);
  checkSameDims(name, input.x, { denoised: input.denoised, denoisedForNoise: input.denoisedForNoise, noise: input.noise });
}

export function requireNoise(name: string, noise: F32Tensor | undefined): F32Tensor {
  if (!noise) {
    throw new ModelError(SAMPLER_CODES.noiseMissing, `Expected a noise tensor for the stochastic ${name} step but received none.`, {
      hint: 'Draw it from a seeded noiseStream (diffusion/noise) with the dims of x.',
    });
  }
  return noise;
}

export function checkEta(name: string, eta: number): void {
  if (!(Number.isFinite(eta) && eta >= 0)) {
    throw new ModelError(SAMPLER_CODES.options, `Expected eta >= 0 for ${name} but received ${eta}.`, {
      hint: 'Use 0 for a deterministic sampler, 1 for full ancestral noise.',
    });
  }
}
