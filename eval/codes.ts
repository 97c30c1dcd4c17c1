/**
 * Error codes raised by eval/ (every one is thrown as a `ModelError`):
 *
 * - E_EVAL_IMAGE      an image handed to the detector is not 8-bit RGB of the stated size.
 * - E_EVAL_ARGS       a bad command-line argument to `npm run eval` (unknown flag, bad number, unknown experiment).
 * - E_EVAL_MODEL      the model folder to evaluate is missing or is not a shapes-world export (64x64 images).
 * - E_EVAL_SPEC       an evaluation sample names a colour or shape outside the shapes world, or a box outside [0, 1].
 * - E_EVAL_EMPTY      an aggregate was asked of zero samples.
 */
export const EVAL_CODES = {
  image: 'E_EVAL_IMAGE',
  args: 'E_EVAL_ARGS',
  model: 'E_EVAL_MODEL',
  spec: 'E_EVAL_SPEC',
  empty: 'E_EVAL_EMPTY',
} as const;
