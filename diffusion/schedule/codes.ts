import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/schedule, each thrown as a `ModelError`. */
export const SCHEDULE_ERRORS = {
  E_SCHEDULER_CONFIG: {
    summary: 'scheduler_config.json is not an object, a key has the wrong type or range, or it asks for something not implemented ' +
      '(beta schedule, spacing, prediction type, rescale_betas_zero_snr).',
  },
  E_SCHEDULE_STEPS: { summary: 'The number of inference steps is not an integer in [1, num_train_timesteps].' },
  E_SCHEDULE_SIGMA: { summary: 'A sigma or timestep passed to a mapping is negative or not finite.' },
} as const satisfies CodeTable;

export type ScheduleErrorCode = keyof typeof SCHEDULE_ERRORS;

/** Short names used at the throw sites. */
export const SCHEDULE_CODES = {
  config: 'E_SCHEDULER_CONFIG',
  steps: 'E_SCHEDULE_STEPS',
  sigma: 'E_SCHEDULE_SIGMA',
} as const satisfies Record<string, ScheduleErrorCode>;
