/**
 * Classifier-free guidance: Ho & Salimans 2022, "Classifier-free diffusion guidance", eq. 6, in denoised form
 * (D is affine in the model output at fixed x and sigma, so mixing D equals mixing eps or v):
 *
 *   D = D_u + w (D_c - D_u)
 *
 * Their eq. 6 writes (1 + w) eps_c - w eps_u; the scale here is their 1 + w, the convention of Stable Diffusion
 * tools: w = 1 is the conditional model alone, and the reference default is w = 7.5.
 */
import { checkFiniteParam, extrapolate, type GuidancePredictions, type GuidedDenoised } from './types';

export interface CfgArgs extends GuidancePredictions {
  /** w, the guidance scale. */
  readonly scale: number;
}

export function cfg(args: CfgArgs): GuidedDenoised {
  checkFiniteParam('cfg', 'scale', args.scale);
  const denoised = extrapolate('cfg', args, args.scale);
  return { denoised, denoisedForNoise: denoised };
}
