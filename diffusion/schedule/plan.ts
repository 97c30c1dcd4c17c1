/**
 * Inference plans: the N timesteps a sampler visits and the N + 1 noise levels sigma_0 > ... > sigma_N, following
 * diffusers' `set_timesteps` for each timestep spacing (Lin et al. 2024, "Common diffusion noise schedules and sample
 * steps are flawed", compares the three):
 *
 *   family 'euler' (EulerDiscrete / EulerAncestral / LMSDiscrete; fractional timesteps, final sigma 0)
 *     linspace  t_i = linspace(0, T - 1, N) reversed
 *     leading   t_i = round(arange(0, N) * (T div N)) reversed, + steps_offset
 *     trailing  t_i = round(arange(T, 0, -T / N)) - 1
 *     sigma_i = interp(t_i, training sigmas), sigma_N = 0
 *   family 'ddim' (DDIMScheduler; integer timesteps)
 *     linspace  t_i = round(linspace(0, T - 1, N)) reversed; leading and trailing as above
 *     sigma_i = sigma(alpha_bar[t_i]); sigma_N = 0 if set_alpha_to_one else sigma(alpha_bar[0])
 *
 * DDIM deviations, on purpose (the second: a final timestep 0 with set_alpha_to_one false ends at sigma 0, not
 * at sigma_(N-1) again, see inferencePlan): diffusers' DDIM steps from t_i to t_i - T div N whatever the spacing, which for
 * 'linspace' and 'trailing' is not t_(i+1), so x lands on a noise level the next model call does not use. Here every
 * step goes from sigma_i to sigma_(i+1); for 'leading' (DDIM's default and SD's shipped setting) both agree.
 *
 * Optional Karras sigmas (Karras et al. 2022, eq. 5, rho = 7) between the plan's own sigma_0 and sigma_(N-1).
 * Rounding follows numpy: round half to even.
 */
import { ModelError } from '../errors';
import { alphasCumprod, sigmaFromAlphaBar, trainingSigmas } from './alphas';
import { SCHEDULE_CODES } from './codes';
import type { SchedulerConfig, TimestepSpacing } from './config';
import { sigmaAtTimestep, timestepAtSigma } from './sigma-timestep';

export type PlanFamily = 'euler' | 'ddim';

/** diffusers' class defaults when the config has no timestep_spacing. */
export const DEFAULT_SPACING: Record<PlanFamily, TimestepSpacing> = { euler: 'linspace', ddim: 'leading' };

/** Karras et al. 2022, eq. 5: rho = 7 balances step sizes between high and low noise. */
export const KARRAS_RHO = 7;

export interface PlanOptions {
  family?: PlanFamily;
  /** 'karras' replaces the spaced sigmas by eq. 5 of Karras et al. 2022 (Euler family only, like diffusers). */
  sigmas?: 'spaced' | 'karras';
}

export interface InferencePlan {
  /** Model timestep for step i (fractional for the Euler family), length N. */
  readonly timesteps: Float64Array;
  /** sigma_0 > ... > sigma_N, length N + 1; step i goes from sigmas[i] to sigmas[i + 1]. */
  readonly sigmas: Float64Array;
  /** Training sigmas (ascending by timestep), for sigma <-> timestep mapping. */
  readonly trainSigmas: Float64Array;
  readonly spacing: TimestepSpacing;
}

/** numpy's np.round: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function spacedTimesteps(config: SchedulerConfig, steps: number, spacing: TimestepSpacing, family: PlanFamily): Float64Array {
  const T = config.numTrainTimesteps;
  const out = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const k = steps - 1 - i; // reversed: step 0 is the noisiest
    switch (spacing) {
      case 'linspace': {
        const t = steps === 1 ? 0 : (k * (T - 1)) / (steps - 1);
        out[i] = family === 'ddim' ? roundHalfEven(t) : t;
        break;
      }
      case 'leading':
        out[i] = k * Math.floor(T / steps) + config.stepsOffset;
        break;
      case 'trailing':
        out[i] = roundHalfEven(T - i * (T / steps)) - 1;
        break;
    }
  }
  return out;
}

function karrasSigmas(sigmaMax: number, sigmaMin: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  const maxInvRho = sigmaMax ** (1 / KARRAS_RHO);
  const minInvRho = sigmaMin ** (1 / KARRAS_RHO);
  for (let i = 0; i < steps; i++) {
    const ramp = steps === 1 ? 0 : i / (steps - 1);
    out[i] = (maxInvRho + ramp * (minInvRho - maxInvRho)) ** KARRAS_RHO;
  }
  return out;
}

/** The timesteps and sigmas of an N-step run. Throws E_SCHEDULE_STEPS for N outside [1, T]. */
export function inferencePlan(config: SchedulerConfig, steps: number, options: PlanOptions = {}): InferencePlan {
  const T = config.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new ModelError(SCHEDULE_CODES.steps, `Expected a number of steps that is an integer in [1, ${T}] but received ${steps}.`);
  }
  const family = options.family ?? 'euler';
  const spacing = config.timestepSpacing ?? DEFAULT_SPACING[family];
  const trainSigmas = trainingSigmas(config);
  let timesteps = spacedTimesteps(config, steps, spacing, family);
  const sigmas = new Float64Array(steps + 1);
  if (family === 'ddim') {
    const alphaBar = alphasCumprod(config);
    timesteps.forEach((t, i) => { sigmas[i] = sigmaFromAlphaBar(alphaBar[Math.min(t, T - 1)]); });
    // With set_alpha_to_one false the last level is sigma(alpha_bar_0); when the last timestep is 0 itself (linspace
    // spacing) that equals sigma_(N-1) and diffusers' final step re-noises to the level it started from (an identity
    // step leaving that noise in the result). Every sampler here needs sigma_(i+1) < sigma_i: such a plan ends at 0.
    const last = sigmaFromAlphaBar(alphaBar[0]);
    sigmas[steps] = config.setAlphaToOne || last >= sigmas[steps - 1] ? 0 : last;
  } else {
    timesteps.forEach((t, i) => { sigmas[i] = sigmaAtTimestep(trainSigmas, Math.min(t, T - 1)); });
    if (options.sigmas === 'karras') {
      sigmas.set(karrasSigmas(sigmas[0], sigmas[steps - 1], steps));
      timesteps = Float64Array.from(sigmas.subarray(0, steps), (s) => timestepAtSigma(trainSigmas, s));
    }
    sigmas[steps] = 0;
  }
  return { timesteps, sigmas, trainSigmas, spacing };
}
