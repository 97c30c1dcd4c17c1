/**
 * The one signature every sampler shares. The caller owns the UNet calls and the guidance rule; a sampler only
 * moves x from sigma to sigmaNext given two denoised predictions (k-diffusion's "sigma space": x = x0 + sigma * eps).
 *
 *   denoised          D, the prediction whose x0 the step moves towards (the guided one).
 *   denoisedForNoise  D_n, the prediction whose implied noise eps_hat = (x - D_n) / sigma the step carries to the
 *                     next noise level. Plain guidance passes D_n = D; CFG++ (Chung et al. 2024) passes the
 *                     unconditional D_u. The guidance rules in diffusion/guidance return exactly these two fields,
 *                     so samplers and guidance compose without special cases.
 *
 * Steps are pure: they return a new x and a new state and never mutate their inputs. Self-recurrence (the same
 * step run twice) therefore only needs the caller to keep the state from before the first pass.
 */
import type { F32Tensor } from '../tensor';

export interface SamplerStepInput {
  /** x_i in sigma space: [B, C, h, w] (any dims; all tensors below must match). */
  readonly x: F32Tensor;
  readonly sigma: number;
  /** sigma_(i+1), in [0, sigma). 0 means the final step: the result is a clean sample. */
  readonly sigmaNext: number;
  readonly denoised: F32Tensor;
  readonly denoisedForNoise: F32Tensor;
  /** Standard normal noise, required by stochastic samplers (see `Sampler.stochastic`). */
  readonly noise?: F32Tensor;
}

/** Multistep memory: the previous step's D_n and its sigma (DPM++ 2M reads it, first-order samplers ignore it). */
export interface SamplerState {
  readonly previous?: { readonly denoisedForNoise: F32Tensor; readonly sigma: number };
}

export interface SamplerStepOutput {
  readonly x: F32Tensor;
  readonly state: SamplerState;
}

export interface Sampler {
  readonly name: string;
  /** True when `step` needs `noise` (for some sigma pairs; passing it always is safe). */
  readonly stochastic: boolean;
  step(state: SamplerState, input: SamplerStepInput): SamplerStepOutput;
}

/** The state to start a run with. */
export const INITIAL_SAMPLER_STATE: SamplerState = Object.freeze({});
