import type { CodeTable } from '../errors/code-table';

/**
 * Error codes of the `cones` CLI itself (graph problems keep the engine's codes). Each makes the command exit 2:
 * nothing ran.
 */
export const CLI_ERRORS = {
  E_USAGE: { summary: 'Bad command line: unknown command or option, missing or extra argument, malformed --set.' },
  E_IMPORT_CONES2: {
    summary: 'A Cones 2 reference config cannot be read or converted ' +
      '(no prompt, a subject without a residual, a bad colour entry, a token index outside the prompt).',
  },
} as const satisfies CodeTable;

export type CliErrorCode = keyof typeof CLI_ERRORS;
