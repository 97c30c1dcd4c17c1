import { CodedError } from '../errors/coded-error';
import type { CodeTable } from '../errors/code-table';

/** Error codes raised by eval/, each thrown as an `EvalError` (E_EVAL only labels uncoded failures on stderr). */
export const EVAL_ERRORS = {
  E_EVAL_IMAGE: { summary: 'An image handed to the detector is not 8-bit RGB of the stated size.' },
  E_EVAL_ARGS: { summary: 'A bad command-line argument to `npm run eval` or `eval/detect/cli.ts` (unknown flag, bad number, unknown experiment or subject).' },
  E_EVAL_MODEL: { summary: 'The model folder to evaluate is missing or cannot be loaded as a shapes-world export.' },
  E_EVAL_SPEC: { summary: 'An evaluation set asks for an impossible sample: a subject count outside 1-4 or n < 1.' },
  E_EVAL_EMPTY: { summary: 'An aggregate was asked of zero samples or subjects, or of paired values of unequal length.' },
  E_EVAL_README: { summary: 'The README\'s generated tables cannot be rendered (markers missing, a report\'s results.json missing, unreadable or without a needed cell) or are stale (`npm run eval:readme -- --check`).' },
  E_EVAL: { summary: 'The evaluation failed with an error that carries no code of its own (see the message).' },
} as const satisfies CodeTable;

export type EvalErrorCode = keyof typeof EVAL_ERRORS;

/** Short names used at the throw sites. */
export const EVAL_CODES = {
  image: 'E_EVAL_IMAGE',
  args: 'E_EVAL_ARGS',
  model: 'E_EVAL_MODEL',
  spec: 'E_EVAL_SPEC',
  empty: 'E_EVAL_EMPTY',
  readme: 'E_EVAL_README',
} as const satisfies Record<string, EvalErrorCode>;

export class EvalError extends CodedError<EvalErrorCode> {
  constructor(code: EvalErrorCode, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'EvalError';
  }
}
