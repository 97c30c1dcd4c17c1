/**
 * Euler: the first-order step of Karras et al. 2022, "Elucidating the design space of diffusion-based generative
 * models", Algorithm 2 with S_churn = 0 and no second-order correction, on the probability-flow ODE
 * dx/dsigma = (x - D(x; sigma)) / sigma (their eq. 1 with sigma(t) = t).
 *
 *   eps_hat = (x_i - D_n) / sigma_i                     d_i of Algorithm 2 (the noise implied by D_n)
 *   x_(i+1) = D + sigma_(i+1) * eps_hat                 = x_i + (sigma_(i+1) - sigma_i) d_i when D_n = D
 *
 * With D_n = D this is the textbook Euler step (and DDIM with eta = 0, Song et al. 2021); with D = D_lambda and
 * D_n = D_u it is Euler CFG++ (Chung et al. 2024: x_(i+1) = D_lambda + sigma_(i+1)(x_i - D_u)/sigma_i).
 */
import { f32 } from '../tensor';
import { checkStepInput } from './check';
import type { Sampler, SamplerState, SamplerStepInput, SamplerStepOutput } from './types';

export function eulerStep(state: SamplerState, input: SamplerStepInput): SamplerStepOutput {
  checkStepInput('euler', input);
  const { x, sigma, sigmaNext } = input;
  const D = input.denoised.data;
  const Dn = input.denoisedForNoise.data;
  const ratio = sigmaNext / sigma;
  const out = f32(x.dims); // x_(i+1): dims of x
  for (let k = 0; k < out.data.length; k++) out.data[k] = D[k] + ratio * (x.data[k] - Dn[k]);
  return { x: out, state };
}

export const euler: Sampler = { name: 'euler', stochastic: false, step: eulerStep };
