/**
 * Error codes raised by diffusion/guidance (every one is thrown as a `ModelError`):
 *
 * - E_GUIDANCE_SHAPE  the conditional and unconditional predictions have different dims.
 * - E_GUIDANCE_PARAM  a guidance parameter is out of range: a non-finite CFG scale, a CFG++ lambda outside [0, 1],
 *                     a sigma <= 0 / sigmaNext outside [0, sigma) where a rule needs them, or an unknown rule kind.
 */
export const GUIDANCE_CODES = {
  shape: 'E_GUIDANCE_SHAPE',
  param: 'E_GUIDANCE_PARAM',
} as const;
