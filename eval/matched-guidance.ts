/**
 * Guidance rules at matched strength, so the CFG / CFG++ / sigma-scaled CFG comparison changes the rule and not the
 * amount of guidance. Strength is the per-step CFG scale averaged over the N steps of the run:
 *
 *   CFG                 omega_i = w                                        mean = w
 *   CFG++               omega_i = lambda sigma_i / (sigma_i - sigma_(i+1))  (diffusion/guidance cfgppEquivalentScale)
 *                       lambda  = w / mean_i(sigma_i / (sigma_i - sigma_(i+1)))
 *   sigma-scaled CFG    omega_i = w' (1 + sigma_i / sigma_max)               w' = w / mean_i(1 + sigma_i / sigma_max)
 *
 * CFG++ requires lambda <= 1; a larger value is clamped to 1 and reported, since then CFG++ cannot match.
 */
import { cfgppEquivalentScale, sigmaScaledScale, type GuidanceRule } from '../diffusion/guidance';

export interface MatchedGuidance {
  rule: GuidanceRule;
  /** Mean per-step equivalent CFG scale actually reached. */
  meanScale: number;
  clamped: boolean;
}

export function matchedGuidance(kind: GuidanceRule['kind'], scale: number, sigmas: readonly number[] | Float64Array): MatchedGuidance {
  const n = sigmas.length - 1;
  const steps = Array.from({ length: n }, (_, i) => i);
  const mean = (f: (i: number) => number): number => steps.reduce((a, i) => a + f(i), 0) / n;
  if (kind === 'cfgpp') {
    const unit = mean((i) => cfgppEquivalentScale(1, sigmas[i], sigmas[i + 1]));
    const lambda = Math.min(1, scale / unit);
    return { rule: { kind: 'cfgpp', lambda }, meanScale: lambda * unit, clamped: scale / unit > 1 };
  }
  if (kind === 'sigma_scaled_cfg') {
    const w = scale / mean((i) => sigmaScaledScale(1, sigmas[i], sigmas[0]));
    return { rule: { kind: 'sigma_scaled_cfg', scale: w }, meanScale: scale, clamped: false };
  }
  return { rule: { kind: 'cfg', scale }, meanScale: scale, clamped: false };
}
