/**
 * Euler ancestral: an Euler step to sigma_down followed by fresh noise of std sigma_up, so that the marginal at
 * sigma_(i+1) is right. The split is DDIM's stochastic variance (Song et al. 2021, "Denoising diffusion implicit
 * models", eq. 16) rewritten in sigma space, where it reads
 *
 *   sigma_up   = min(sigma_(i+1), eta * sqrt(sigma_(i+1)^2 (sigma_i^2 - sigma_(i+1)^2) / sigma_i^2))
 *   sigma_down = sqrt(sigma_(i+1)^2 - sigma_up^2)
 *   eps_hat    = (x_i - D_n) / sigma_i
 *   x_(i+1)    = D + sigma_down * eps_hat + sigma_up * z,        z ~ N(0, I)
 *
 * eta = 1 is ancestral (DDPM-like) sampling; eta = 0 reduces to Euler. With D = D_lambda and D_n = D_u this is the
 * Euler-ancestral CFG++ of Chung et al. 2024 (re-noise with the unconditional noise, then add sigma_up z).
 */
import { f32 } from '../tensor';
import { checkEta, checkStepInput, requireNoise } from './check';
import type { Sampler, SamplerState, SamplerStepInput, SamplerStepOutput } from './types';

export interface AncestralSigmas {
  sigmaDown: number;
  sigmaUp: number;
}

/** The (sigma_down, sigma_up) split above; sigma_down^2 + sigma_up^2 = sigma_(i+1)^2. */
export function ancestralSigmas(sigma: number, sigmaNext: number, eta = 1): AncestralSigmas {
  const sigmaUp = Math.min(sigmaNext, eta * Math.sqrt((sigmaNext ** 2 * (sigma ** 2 - sigmaNext ** 2)) / sigma ** 2));
  return { sigmaDown: Math.sqrt(sigmaNext ** 2 - sigmaUp ** 2), sigmaUp };
}

export function eulerAncestral(options: { eta?: number } = {}): Sampler {
  const eta = options.eta ?? 1;
  checkEta('euler_ancestral', eta);
  return {
    name: 'euler_ancestral',
    stochastic: eta > 0,
    step(state: SamplerState, input: SamplerStepInput): SamplerStepOutput {
      checkStepInput('euler_ancestral', input);
      const { x, sigma, sigmaNext } = input;
      const { sigmaDown, sigmaUp } = ancestralSigmas(sigma, sigmaNext, eta);
      const z = sigmaUp > 0 ? requireNoise('euler_ancestral', input.noise).data : undefined;
      const D = input.denoised.data;
      const Dn = input.denoisedForNoise.data;
      const ratio = sigmaDown / sigma;
      const out = f32(x.dims); // x_(i+1): dims of x
      for (let k = 0; k < out.data.length; k++) {
        out.data[k] = D[k] + ratio * (x.data[k] - Dn[k]) + (z ? sigmaUp * z[k] : 0);
      }
      return { x: out, state };
    },
  };
}
