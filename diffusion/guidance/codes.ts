import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/guidance, each thrown as a `ModelError`. */
export const GUIDANCE_ERRORS = {
  E_GUIDANCE_SHAPE: { summary: 'The conditional and unconditional predictions have different dims.' },
  E_GUIDANCE_PARAM: {
    summary: 'A guidance parameter is out of range (non-finite CFG scale, CFG++ lambda outside [0, 1], bad sigma / sigmaNext) ' +
      'or the rule kind is unknown.',
  },
} as const satisfies CodeTable;

export type GuidanceErrorCode = keyof typeof GUIDANCE_ERRORS;

/** Short names used at the throw sites. */
export const GUIDANCE_CODES = {
  shape: 'E_GUIDANCE_SHAPE',
  param: 'E_GUIDANCE_PARAM',
} as const satisfies Record<string, GuidanceErrorCode>;
