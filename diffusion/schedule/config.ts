/**
 * The subset of a diffusers `scheduler/scheduler_config.json` that fixes the noise schedule, validated into a typed
 * object. Unknown keys (`_class_name`, `clip_sample`, `skip_prk_steps`, ...) are ignored: they tune samplers, not
 * the schedule. Every problem is collected and reported in one E_SCHEDULER_CONFIG error.
 */
import { ModelError } from '../errors';
import { SCHEDULE_CODES } from './codes';

export const BETA_SCHEDULES = ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const;
export const PREDICTION_TYPES = ['epsilon', 'v_prediction', 'sample'] as const;
export const TIMESTEP_SPACINGS = ['linspace', 'leading', 'trailing'] as const;

export type BetaSchedule = (typeof BETA_SCHEDULES)[number];
export type PredictionType = (typeof PREDICTION_TYPES)[number];
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];

export interface SchedulerConfig {
  /** T, the number of training timesteps (diffusers default 1000). */
  numTrainTimesteps: number;
  /** beta_1 and beta_T (diffusers defaults 0.0001 and 0.02; Stable Diffusion ships 0.00085 and 0.012). */
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  /** Explicit betas; when present they replace the beta_start/beta_end/beta_schedule formula (as in diffusers). */
  trainedBetas: number[] | null;
  predictionType: PredictionType;
  /** Undefined when the file does not say: the sampler family then picks diffusers' class default. */
  timestepSpacing: TimestepSpacing | undefined;
  stepsOffset: number;
  /** DDIM only: whether the step after t = 0 uses alpha_bar = 1 (sigma 0) or alpha_bar_0. diffusers default true. */
  setAlphaToOne: boolean;
}

/** diffusers' `SchedulerMixin` defaults for keys a config may omit. */
const DEFAULTS = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  prediction_type: 'epsilon',
  steps_offset: 0,
  set_alpha_to_one: true,
} as const;

function oneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** Validates a parsed scheduler_config.json. Throws E_SCHEDULER_CONFIG listing every problem found. */
export function parseSchedulerConfig(raw: unknown): SchedulerConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelError(SCHEDULE_CODES.config, 'Expected a JSON object for scheduler_config.json ' +
      `but received ${Array.isArray(raw) ? 'an array' : typeof raw}.`, {
      hint: 'Pass the parsed contents of the model folder\'s scheduler/scheduler_config.json.',
    });
  }
  const c = { ...DEFAULTS, ...(raw as Record<string, unknown>) };
  const problems: string[] = [];
  const T = c.num_train_timesteps;
  if (!Number.isInteger(T) || (T as number) < 2) problems.push(`num_train_timesteps must be an integer >= 2 but is ${JSON.stringify(T)}`);
  for (const key of ['beta_start', 'beta_end'] as const) {
    const v = c[key];
    if (typeof v !== 'number' || !(v > 0 && v < 1)) problems.push(`${key} must be a number in (0, 1) but is ${JSON.stringify(v)}`);
  }
  if (!oneOf(BETA_SCHEDULES, c.beta_schedule)) {
    problems.push(`beta_schedule must be one of ${BETA_SCHEDULES.join(', ')} but is ${JSON.stringify(c.beta_schedule)}`);
  }
  if (!oneOf(PREDICTION_TYPES, c.prediction_type)) {
    problems.push(`prediction_type must be one of ${PREDICTION_TYPES.join(', ')} but is ${JSON.stringify(c.prediction_type)}`);
  }
  const spacing = (raw as Record<string, unknown>).timestep_spacing;
  if (spacing !== undefined && !oneOf(TIMESTEP_SPACINGS, spacing)) {
    problems.push(`timestep_spacing must be one of ${TIMESTEP_SPACINGS.join(', ')} but is ${JSON.stringify(spacing)}`);
  }
  if (!Number.isInteger(c.steps_offset) || (c.steps_offset as number) < 0) {
    problems.push(`steps_offset must be a non-negative integer but is ${JSON.stringify(c.steps_offset)}`);
  }
  if (typeof c.set_alpha_to_one !== 'boolean') {
    problems.push(`set_alpha_to_one must be a boolean but is ${JSON.stringify(c.set_alpha_to_one)}`);
  }
  const trained = (raw as Record<string, unknown>).trained_betas;
  if (trained !== undefined && trained !== null) {
    const ok = Array.isArray(trained) && trained.length === T && trained.every((b) => typeof b === 'number' && b > 0 && b < 1);
    if (!ok) problems.push(`trained_betas must be null or an array of num_train_timesteps numbers in (0, 1)`);
  }
  if ((raw as Record<string, unknown>).rescale_betas_zero_snr === true) {
    problems.push('rescale_betas_zero_snr is not supported (its final sigma is infinite in the sigma parametrisation used here)');
  }
  if (problems.length > 0) {
    throw new ModelError(SCHEDULE_CODES.config, `Expected a valid diffusers scheduler config but found: ${problems.join('; ')}.`, {
      hint: 'Fix scheduler/scheduler_config.json or use the one shipped with the model.',
      details: { problems },
    });
  }
  return {
    numTrainTimesteps: T as number,
    betaStart: c.beta_start as number,
    betaEnd: c.beta_end as number,
    betaSchedule: c.beta_schedule as BetaSchedule,
    trainedBetas: Array.isArray(trained) ? (trained as number[]) : null,
    predictionType: c.prediction_type as PredictionType,
    timestepSpacing: spacing as TimestepSpacing | undefined,
    stepsOffset: c.steps_offset as number,
    setAlphaToOne: c.set_alpha_to_one as boolean,
  };
}
