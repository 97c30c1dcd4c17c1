/**
 * Sigma-scaled CFG: what the report (multi-concept-personalization-report, "CFG++" paragraph) actually
 * implemented under the name CFG++. It is plain CFG (Ho & Salimans 2022) with a scale that grows with the noise
 * level, strongest at the first step:
 *
 *   w_i = w (1 + sigma_i / sigma_max),      D = D_u + w_i (D_c - D_u)
 *
 * so w_0 = 2w and w_i -> w as sigma_i -> 0. Kept separate from CFG++ (./cfgpp.ts), which is a different method.
 */
import { ModelError } from '../errors';
import { GUIDANCE_CODES } from './codes';
import { cfg } from './cfg';
import { checkFiniteParam, type GuidancePredictions, type GuidedDenoised } from './types';

export interface SigmaScaledCfgArgs extends GuidancePredictions {
  /** w, the base scale. */
  readonly scale: number;
  /** sigma_i of this step. */
  readonly sigma: number;
  /** sigma_max, the first sigma of the run (inferencePlan().sigmas[0]). */
  readonly sigmaMax: number;
}

export function sigmaScaledScale(scale: number, sigma: number, sigmaMax: number): number {
  checkFiniteParam('sigma_scaled_cfg', 'scale', scale);
  if (!(sigmaMax > 0 && sigma >= 0 && Number.isFinite(sigmaMax))) {
    throw new ModelError(GUIDANCE_CODES.param, 'Expected sigma >= 0 and a finite sigmaMax > 0 for sigma-scaled CFG ' +
      `but received sigma ${sigma}, sigmaMax ${sigmaMax}.`);
  }
  return scale * (1 + sigma / sigmaMax);
}

export function sigmaScaledCfg(args: SigmaScaledCfgArgs): GuidedDenoised {
  return cfg({ ...args, scale: sigmaScaledScale(args.scale, args.sigma, args.sigmaMax) });
}
