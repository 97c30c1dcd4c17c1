/**
 * Error codes raised by diffusion/schedule (every one is thrown as a `ModelError`):
 *
 * - E_SCHEDULER_CONFIG  scheduler_config.json is not an object, a key has the wrong type or range, or it asks
 *                       for something this module does not implement (an unknown beta schedule, spacing or
 *                       prediction type, rescale_betas_zero_snr).
 * - E_SCHEDULE_STEPS    the requested number of inference steps is not an integer in [1, num_train_timesteps].
 * - E_SCHEDULE_SIGMA    a sigma or timestep passed to a mapping is negative or not finite.
 */
export const SCHEDULE_CODES = {
  config: 'E_SCHEDULER_CONFIG',
  steps: 'E_SCHEDULE_STEPS',
  sigma: 'E_SCHEDULE_SIGMA',
} as const;
