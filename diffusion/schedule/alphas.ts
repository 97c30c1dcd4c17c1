/**
 * The training noise schedule: betas, alpha_bar (cumulative product of 1 - beta) and the equivalent
 * variance-exploding noise levels sigma = sqrt((1 - alpha_bar) / alpha_bar) (Karras et al. 2022, table 1, "VP").
 *
 * Computed in float64. diffusers computes betas and alpha_bar in float32, so values differ from it by float32
 * rounding (relative ~1e-6 on betas, up to ~1e-5 on sigmas after 1000 cumulative products).
 */
import type { SchedulerConfig } from './config';

/** Offset s of the cosine schedule (Nichol & Dhariwal 2021, eq. 17) and diffusers' cap on its betas. */
const COSINE_S = 0.008;
const COSINE_MAX_BETA = 0.999;

/** alpha_bar(t) of the cosine schedule for t in [0, 1] (Nichol & Dhariwal 2021, eq. 17, before normalisation). */
function cosineAlphaBar(t: number): number {
  return Math.cos(((t + COSINE_S) / (1 + COSINE_S)) * (Math.PI / 2)) ** 2;
}

/** beta_1..beta_T, indexed by training timestep 0..T-1. */
export function betas(config: SchedulerConfig): Float64Array {
  const T = config.numTrainTimesteps;
  if (config.trainedBetas) return Float64Array.from(config.trainedBetas);
  const out = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const frac = i / (T - 1);
    switch (config.betaSchedule) {
      case 'linear':
        out[i] = config.betaStart + frac * (config.betaEnd - config.betaStart);
        break;
      case 'scaled_linear': {
        // Linear in sqrt(beta), then squared: the schedule Stable Diffusion was trained with.
        const root = Math.sqrt(config.betaStart) + frac * (Math.sqrt(config.betaEnd) - Math.sqrt(config.betaStart));
        out[i] = root * root;
        break;
      }
      case 'squaredcos_cap_v2':
        // beta_t = 1 - alpha_bar(t / T) / alpha_bar((t - 1) / T), clipped (Nichol & Dhariwal 2021, section 3.2).
        out[i] = Math.min(1 - cosineAlphaBar((i + 1) / T) / cosineAlphaBar(i / T), COSINE_MAX_BETA);
        break;
    }
  }
  return out;
}

/** alpha_bar_t = prod_{s <= t} (1 - beta_s) (Ho et al. 2020, eq. 4 notation), indexed by timestep 0..T-1. */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const b = betas(config);
  const out = new Float64Array(b.length);
  let product = 1;
  for (let i = 0; i < b.length; i++) {
    product *= 1 - b[i];
    out[i] = product;
  }
  return out;
}

/** sigma from alpha_bar: the noise-to-signal ratio of x_t / sqrt(alpha_bar_t). */
export function sigmaFromAlphaBar(alphaBar: number): number {
  return Math.sqrt((1 - alphaBar) / alphaBar);
}

/** alpha_bar from sigma, the inverse of sigmaFromAlphaBar: 1 / (1 + sigma^2). */
export function alphaBarFromSigma(sigma: number): number {
  return 1 / (1 + sigma * sigma);
}

/** Training sigmas, ascending with the timestep index (sigma_0 is the smallest). */
export function trainingSigmas(config: SchedulerConfig): Float64Array {
  return alphasCumprod(config).map(sigmaFromAlphaBar);
}
