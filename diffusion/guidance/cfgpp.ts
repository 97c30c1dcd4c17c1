/**
 * CFG++: Chung et al. 2024, "CFG++: manifold-constrained classifier free guidance for diffusion models".
 * The guided prediction only sets the x0 the step aims at; the noise carried to the next level is the
 * unconditional one (their DDIM form, and the Euler / Euler-ancestral / DPM++ 2M forms derived from it):
 *
 *   D_lambda = D_u + lambda (D_c - D_u),  lambda in [0, 1]
 *   DDIM:    x_(t-1) = sqrt(alpha_(t-1)) x0_hat(eps_lambda) + sqrt(1 - alpha_(t-1)) eps_u
 *   Euler:   x_(i+1) = D_lambda + sigma_(i+1) (x_i - D_u) / sigma_i
 *
 * so the rule returns { denoised: D_lambda, denoisedForNoise: D_u } and every sampler applies it unchanged.
 * The unconditional pass always has to run (there is no "scale 1 skips D_u" shortcut: D_u is the noise).
 *
 * For an Euler step CFG++ is exactly CFG with the per-step scale
 *   omega_i = lambda sigma_i / (sigma_i - sigma_(i+1))
 * (expand both updates and equate the (D_c - D_u) coefficients), so lambda has to be re-tuned when the number of
 * steps or the schedule changes; `cfgppEquivalentScale` exposes that mapping.
 */
import { ModelError } from '../errors';
import { GUIDANCE_CODES } from './codes';
import { extrapolate, type GuidancePredictions, type GuidedDenoised } from './types';

export interface CfgppArgs extends GuidancePredictions {
  /** lambda in [0, 1]; 0.6 is typical (Chung et al. 2024 use 0.2-1.0 depending on the sampler). */
  readonly lambda: number;
}

function checkLambda(lambda: number): void {
  if (!(lambda >= 0 && lambda <= 1)) {
    throw new ModelError(GUIDANCE_CODES.param, `Expected a CFG++ lambda in [0, 1] but received ${lambda}.`, {
      hint: 'CFG++ interpolates, never extrapolates: a CFG scale of 7.5 corresponds to lambda ~0.6, not 7.5.',
    });
  }
}

export function cfgpp(args: CfgppArgs): GuidedDenoised {
  checkLambda(args.lambda);
  return { denoised: extrapolate('cfgpp', args, args.lambda), denoisedForNoise: args.denoisedUncond };
}

/** The CFG scale that makes one Euler CFG step equal one Euler CFG++ step: lambda sigma / (sigma - sigmaNext). */
export function cfgppEquivalentScale(lambda: number, sigma: number, sigmaNext: number): number {
  checkLambda(lambda);
  if (!(sigma > 0 && sigmaNext >= 0 && sigmaNext < sigma)) {
    throw new ModelError(GUIDANCE_CODES.param, 'Expected 0 <= sigmaNext < sigma for the CFG++ scale mapping ' +
      `but received sigma ${sigma}, sigmaNext ${sigmaNext}.`);
  }
  return (lambda * sigma) / (sigma - sigmaNext);
}
