/**
 * The two directions of the sigma <-> training-timestep mapping, exactly as diffusers' Euler-family schedulers do:
 *
 * - timestep -> sigma: linear interpolation of the training sigmas at a (possibly fractional) timestep
 *   (`np.interp(timesteps, arange(T), sigmas)` in EulerDiscreteScheduler.set_timesteps);
 * - sigma -> timestep: linear interpolation in log-sigma between the two bracketing training timesteps
 *   (`EulerDiscreteScheduler._sigma_to_t`, the same rule as k-diffusion's DiscreteSchedule.sigma_to_t).
 *
 * The two are exact inverses at integer timesteps only (one interpolates sigma, the other log sigma).
 */
import { ModelError } from '../errors';
import { SCHEDULE_CODES } from './codes';

/** Floor used before taking log sigma, as in diffusers (`np.log(np.maximum(sigma, 1e-10))`). */
const LOG_SIGMA_FLOOR = 1e-10;

function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new ModelError(SCHEDULE_CODES.sigma, `Expected a finite non-negative ${name} but received ${value}.`);
  }
}

/** sigma at a fractional training timestep t, clamped to [0, T - 1] like np.interp. */
export function sigmaAtTimestep(trainSigmas: Float64Array, t: number): number {
  checkFinite('timestep', t);
  const last = trainSigmas.length - 1;
  if (t >= last) return trainSigmas[last];
  const low = Math.floor(t);
  const frac = t - low;
  return trainSigmas[low] + frac * (trainSigmas[low + 1] - trainSigmas[low]);
}

/** Fractional training timestep whose sigma is `sigma`, clamped to [0, T - 1]. */
export function timestepAtSigma(trainSigmas: Float64Array, sigma: number): number {
  checkFinite('sigma', sigma);
  const logSigma = Math.log(Math.max(sigma, LOG_SIGMA_FLOOR));
  const n = trainSigmas.length;
  // low = the last index whose log sigma is <= log sigma (sigmas ascend with t), kept in [0, n - 2].
  let lo = 0;
  let hi = n - 1;
  if (logSigma < Math.log(trainSigmas[0])) {
    lo = 0;
  } else {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (Math.log(trainSigmas[mid]) <= logSigma) lo = mid;
      else hi = mid;
    }
  }
  const low = Math.min(lo, n - 2);
  const logLow = Math.log(trainSigmas[low]);
  const logHigh = Math.log(trainSigmas[low + 1]);
  const w = Math.min(Math.max((logLow - logSigma) / (logLow - logHigh), 0), 1);
  return (1 - w) * low + w * (low + 1);
}
