export { parseSchedulerConfig, BETA_SCHEDULES, PREDICTION_TYPES, TIMESTEP_SPACINGS } from './config';
export type { SchedulerConfig, BetaSchedule, PredictionType, TimestepSpacing } from './config';
export { betas, alphasCumprod, trainingSigmas, sigmaFromAlphaBar, alphaBarFromSigma } from './alphas';
export { sigmaAtTimestep, timestepAtSigma } from './sigma-timestep';
export { inferencePlan, roundHalfEven, DEFAULT_SPACING, KARRAS_RHO } from './plan';
export type { InferencePlan, PlanFamily, PlanOptions } from './plan';
export { SCHEDULE_CODES } from './codes';
