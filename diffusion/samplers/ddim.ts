/**
 * DDIM: Song et al. 2021, "Denoising diffusion implicit models", eq. 12, with the stochasticity of eq. 16, written
 * in the paper's alpha-bar form and applied to x in sigma space (x = x_t / sqrt(alpha_bar_t), so
 * alpha_bar = 1 / (1 + sigma^2)).
 *
 *   symbol       here
 *   alpha_t      alphaBar       (the paper's alpha is diffusers' alphas_cumprod)
 *   alpha_(t-1)  alphaBarPrev
 *   x_t          xt = sqrt(alphaBar) * x
 *   eps_theta    eps = (x - D_n) / sigma           (the noise implied by D_n)
 *   x0_pred      D                                 ("predicted x_0", eq. 12)
 *   sigma_t      sigmaEta = eta sqrt((1 - alpha_(t-1)) / (1 - alpha_t)) sqrt(1 - alpha_t / alpha_(t-1))   (eq. 16)
 *
 *   1. x_(t-1) = sqrt(alpha_(t-1)) x0_pred + sqrt(1 - alpha_(t-1) - sigma_t^2) eps + sigma_t z      (eq. 12)
 *   2. back to sigma space: x_(i+1) = x_(t-1) / sqrt(alpha_(t-1))
 *
 * eta = 0 is the deterministic DDIM (identical to Euler in sigma space, Karras et al. 2022 section 3); with
 * x0_pred from eps_lambda and eps from the unconditional prediction it is DDIM CFG++ (Chung et al. 2024):
 * x_(t-1) = sqrt(alpha_(t-1)) x0_hat(eps_lambda) + sqrt(1 - alpha_(t-1)) eps_u.
 */
import { f32 } from '../tensor';
import { alphaBarFromSigma } from '../schedule/alphas';
import { checkEta, checkStepInput, requireNoise } from './check';
import type { Sampler, SamplerState, SamplerStepInput, SamplerStepOutput } from './types';

export function ddim(options: { eta?: number } = {}): Sampler {
  const eta = options.eta ?? 0;
  checkEta('ddim', eta);
  return {
    name: 'ddim',
    stochastic: eta > 0,
    step(state: SamplerState, input: SamplerStepInput): SamplerStepOutput {
      checkStepInput('ddim', input);
      const { x, sigma, sigmaNext } = input;
      const alphaBar = alphaBarFromSigma(sigma);
      const alphaBarPrev = alphaBarFromSigma(sigmaNext);
      const sigmaEta = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
      // Clamp: for eta > 1 the eq. 16 variance can exceed 1 - alpha_(t-1); the direction term then vanishes.
      const dirCoef = Math.sqrt(Math.max(1 - alphaBarPrev - sigmaEta ** 2, 0));
      const z = sigmaEta > 0 ? requireNoise('ddim', input.noise).data : undefined;
      const D = input.denoised.data;
      const Dn = input.denoisedForNoise.data;
      const sqrtAlphaBarPrev = Math.sqrt(alphaBarPrev);
      const out = f32(x.dims); // x_(i+1) in sigma space: dims of x
      for (let k = 0; k < out.data.length; k++) {
        const eps = (x.data[k] - Dn[k]) / sigma;
        const xPrev = sqrtAlphaBarPrev * D[k] + dirCoef * eps + (z ? sigmaEta * z[k] : 0); // x_(t-1), eq. 12
        out.data[k] = xPrev / sqrtAlphaBarPrev;
      }
      return { x: out, state };
    },
  };
}
