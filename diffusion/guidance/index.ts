/**
 * Guidance rules, listed explicitly, behind one data description so graphs can store the choice as JSON.
 * Each rule is a pure function of explicit arguments; `applyGuidance` only dispatches.
 */
import { ModelError } from '../errors';
import { cfg } from './cfg';
import { cfgpp } from './cfgpp';
import { GUIDANCE_CODES } from './codes';
import { sigmaScaledCfg } from './sigma-scaled-cfg';
import type { GuidancePredictions, GuidedDenoised } from './types';

export type GuidanceRule =
  | { readonly kind: 'cfg'; readonly scale: number }
  | { readonly kind: 'cfgpp'; readonly lambda: number }
  | { readonly kind: 'sigma_scaled_cfg'; readonly scale: number };

export const GUIDANCE_KINDS = ['cfg', 'cfgpp', 'sigma_scaled_cfg'] as const;

export interface StepSigmas {
  readonly sigma: number;
  readonly sigmaNext: number;
  /** sigma_0 of the run (used by sigma_scaled_cfg). */
  readonly sigmaMax: number;
}

export function applyGuidance(rule: GuidanceRule, predictions: GuidancePredictions, sigmas: StepSigmas): GuidedDenoised {
  switch (rule.kind) {
    case 'cfg':
      return cfg({ ...predictions, scale: rule.scale });
    case 'cfgpp':
      return cfgpp({ ...predictions, lambda: rule.lambda });
    case 'sigma_scaled_cfg':
      return sigmaScaledCfg({ ...predictions, scale: rule.scale, sigma: sigmas.sigma, sigmaMax: sigmas.sigmaMax });
    default:
      throw new ModelError(GUIDANCE_CODES.param, `Expected a guidance kind among ${GUIDANCE_KINDS.join(', ')} ` +
        `but received ${JSON.stringify(rule)}.`);
  }
}

/**
 * Whether the unconditional UNet pass is needed. Only plain CFG at scale 1 (D = D_c) may skip it; never CFG++,
 * whose re-noising uses D_u, nor sigma-scaled CFG, whose scale changes every step.
 */
export function needsUnconditional(rule: GuidanceRule): boolean {
  return !(rule.kind === 'cfg' && rule.scale === 1);
}

export { cfg } from './cfg';
export type { CfgArgs } from './cfg';
export { cfgpp, cfgppEquivalentScale } from './cfgpp';
export type { CfgppArgs } from './cfgpp';
export { sigmaScaledCfg, sigmaScaledScale } from './sigma-scaled-cfg';
export type { SigmaScaledCfgArgs } from './sigma-scaled-cfg';
export type { GuidedDenoised, GuidancePredictions } from './types';
export { GUIDANCE_CODES } from './codes';
