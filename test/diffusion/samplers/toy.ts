/**
 * Analytic toy problems shared by the sampler and guidance tests (not a test file itself).
 * Gaussian data x0 ~ N(mu, s^2 I) has the exact denoiser D(x; sigma) = mu + s^2 / (s^2 + sigma^2) (x - mu), and its
 * probability-flow ODE keeps (x - mu) / sqrt(s^2 + sigma^2) constant: x(sigma_max) = mu + sqrt(s^2 + sigma_max^2) z
 * ends at exactly mu + s z.
 */
import { createSampler, INITIAL_SAMPLER_STATE, type SamplerName } from '../../../diffusion/samplers';
import type { SamplerOptions } from '../../../diffusion/samplers';
import { noiseStream } from '../../../diffusion/noise';
import { f32, type F32Tensor } from '../../../diffusion/tensor';

export const GAUSS_MU = 0.5;
export const GAUSS_S = 0.8;

export function gaussianDenoiser(x: F32Tensor, sigma: number): F32Tensor {
  const shrink = GAUSS_S ** 2 / (GAUSS_S ** 2 + sigma ** 2);
  return f32(x.dims, x.data.map((v) => GAUSS_MU + shrink * (v - GAUSS_MU)));
}

/** Runs a full sampling loop with D = D_n = denoiser(x, sigma), drawing step noise from seed 3. */
export function runSampler(
  name: SamplerName,
  sigmas: Float64Array,
  x0: F32Tensor,
  denoiser: (x: F32Tensor, sigma: number) => F32Tensor,
  options: SamplerOptions = {},
): F32Tensor {
  const sampler = createSampler(name, options);
  const noise = noiseStream(3);
  let x = x0;
  let state = INITIAL_SAMPLER_STATE;
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const D = denoiser(x, sigmas[i]);
    const input = { x, sigma: sigmas[i], sigmaNext: sigmas[i + 1], denoised: D, denoisedForNoise: D, noise: noise.next(x.dims) };
    ({ x, state } = sampler.step(state, input));
  }
  return x;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

export function meanStd(values: Float32Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return { mean, std: Math.sqrt(variance / values.length) };
}
