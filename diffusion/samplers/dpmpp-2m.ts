/**
 * DPM++ 2M: the multistep second-order data-prediction solver of Lu et al. 2022, "DPM-Solver++: fast solver for
 * guided sampling of diffusion probabilistic models", Algorithm 2, in sigma space (alpha = 1, lambda = -log sigma).
 *
 *   h_i     = lambda_(i+1) - lambda_i = log(sigma_i / sigma_(i+1))
 *   r_i     = h_(i-1) / h_i
 *   D_eff   = (1 + 1/(2 r_i)) D_i - 1/(2 r_i) D_(i-1)            (first step and final step: D_eff = D_i)
 *   x_(i+1) = (sigma_(i+1)/sigma_i) x_i - (e^(-h_i) - 1) D_eff      (Algorithm 2 with alpha = 1)
 *
 * Split into the two predictions of ./types.ts (D guided, D_n whose noise is carried), the same update reads
 *
 *   x_(i+1) = D + (sigma_(i+1)/sigma_i)(x_i - D_n) + (1 - sigma_(i+1)/sigma_i) / (2 r_i) (D - D_n,(i-1))
 *
 * and the history holds D_n. With D_n = D it is exactly Algorithm 2 above; with D_n = D_u it is the DPM++ 2M
 * CFG++ of Chung et al. 2024 (the multistep history holds the unconditional denoised prediction), in the form
 * used by the k-diffusion-style CFG++ samplers: the correction pairs the current guided D_lambda with the previous
 * D_u. (A stricter reading with correction (D_u - D_u,(i-1)) differs from it by
 * (1 - sigma_(i+1)/sigma_i) / (2 r_i) * lambda (D_c - D_u) per step.)
 * The final step (sigma_(i+1) = 0, h = infinity) is first order, the lower-order final step Lu recommends for
 * stability at few steps (and diffusers' lower_order_final default).
 */
import { f32 } from '../tensor';
import { checkSameDims, checkStepInput } from './check';
import type { Sampler, SamplerState, SamplerStepInput, SamplerStepOutput } from './types';

export function dpmpp2mStep(state: SamplerState, input: SamplerStepInput): SamplerStepOutput {
  checkStepInput('dpmpp_2m', input);
  const { x, sigma, sigmaNext } = input;
  const D = input.denoised.data;
  const Dn = input.denoisedForNoise.data;
  const ratio = sigmaNext / sigma; // e^(-h_i)
  const previous = state.previous;
  // A history from a higher sigma is required: a state reused across runs or advanced twice falls back to first order.
  const secondOrder = previous !== undefined && sigmaNext > 0 && previous.sigma > sigma;
  if (previous) checkSameDims('dpmpp_2m', x, { 'previous denoisedForNoise': previous.denoisedForNoise });
  // (1 - e^(-h)) / (2 r): the weight of the multistep correction, 0 on first-order steps.
  let correction = 0;
  if (secondOrder) {
    const h = Math.log(sigma / sigmaNext);
    const hLast = Math.log(previous.sigma / sigma);
    correction = (1 - ratio) / (2 * (hLast / h));
  }
  // On first-order steps the correction weight is 0, so any tensor of the right size can stand in for D_n,(i-1).
  const DnPrev = secondOrder ? previous.denoisedForNoise.data : Dn;
  const out = f32(x.dims); // x_(i+1): dims of x
  for (let k = 0; k < out.data.length; k++) {
    out.data[k] = D[k] + ratio * (x.data[k] - Dn[k]) + correction * (D[k] - DnPrev[k]);
  }
  return { x: out, state: { previous: { denoisedForNoise: input.denoisedForNoise, sigma } } };
}

export const dpmpp2m: Sampler = { name: 'dpmpp_2m', stochastic: false, step: dpmpp2mStep };
