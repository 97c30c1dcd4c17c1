/**
 * eta_i, the per-step factor of the layout bias (bias = gw * eta_i * std(S) * W_pos, docs/method.md section 5). The
 * Cones 2 paper (eq. 7) only asks for "a concave function controlling the edit intensity at different time t".
 *
 *   'log1p_sigma_sq'  eta = ln(1 + sigma_i^2)                 the reference code (~5.37 -> ~0.0009 over SD's 50
 *                                                            steps): strong while the layout forms
 *   'constant'        eta = value                             a fixed bias, for ablations
 *   'linear_decay'    eta = start * (1 - i / guidanceSteps)   schedule-independent decay over the guided steps
 *
 * Steps at or after `guidanceSteps` are unguided: eta = 0 (and the caller drops the mask with it).
 */
import { ModelError } from '../errors';
import { LAYOUT_CODES } from './codes';

export type EtaSchedule =
  | { readonly kind: 'log1p_sigma_sq' }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'linear_decay'; readonly start: number };

export const REFERENCE_ETA: EtaSchedule = { kind: 'log1p_sigma_sq' };

export interface EtaStep {
  /** sigma_i of the step. */
  readonly sigma: number;
  /** Step index i, from 0. */
  readonly step: number;
  /** Number of guided steps (reference default: all 50). */
  readonly guidanceSteps: number;
}

/** ln(1 + sigma^2), the reference eta. */
export function etaLog1pSigmaSq(sigma: number): number {
  return Math.log1p(sigma * sigma);
}

export function etaAt(schedule: EtaSchedule, { sigma, step, guidanceSteps }: EtaStep): number {
  if (!(Number.isInteger(step) && step >= 0 && Number.isInteger(guidanceSteps) && guidanceSteps >= 0)) {
    throw new ModelError(LAYOUT_CODES.eta, 'Expected integer step >= 0 and guidanceSteps >= 0 ' +
      `but received step ${step}, guidanceSteps ${guidanceSteps}.`);
  }
  if (step >= guidanceSteps) return 0;
  switch (schedule.kind) {
    case 'log1p_sigma_sq':
      return etaLog1pSigmaSq(sigma);
    case 'constant':
      if (!(Number.isFinite(schedule.value) && schedule.value >= 0)) {
        throw new ModelError(LAYOUT_CODES.eta, `Expected a finite constant eta >= 0 but received ${schedule.value}.`);
      }
      return schedule.value;
    case 'linear_decay':
      if (!(Number.isFinite(schedule.start) && schedule.start >= 0)) {
        throw new ModelError(LAYOUT_CODES.eta, `Expected a finite linear-decay start >= 0 but received ${schedule.start}.`);
      }
      return schedule.start * (1 - step / guidanceSteps);
    default:
      throw new ModelError(LAYOUT_CODES.eta, 'Expected an eta schedule log1p_sigma_sq, constant or linear_decay ' +
        `but received ${JSON.stringify(schedule)}.`);
  }
}
