import type { CodeTable } from '../errors/code-table';

/**
 * Error codes of the `cones` CLI itself (graph problems keep the engine's codes). Each makes the command exit 2:
 * nothing ran; the remote client's codes (`--server`, cli/remote/) exit 3 instead once the server accepted the run.
 */
export const CLI_ERRORS = {
  E_USAGE: { summary: 'Bad command line: unknown command or option, missing or extra argument, malformed --set.' },
  E_IMPORT_CONES2: {
    summary: 'A Cones 2 reference config cannot be read or converted ' +
      '(no prompt, a subject without a residual, a bad colour entry, a token index outside the prompt).',
  },
  E_SERVER_UNREACHABLE: {
    summary: '`--server`: the server refused or did not accept a connection within the connect timeout (CONES_SERVER_CONNECT_TIMEOUT_MS).',
  },
  E_SERVER_TIMEOUT: { summary: '`--server`: the server went silent for longer than the idle timeout (CONES_SERVER_TIMEOUT_MS).' },
  E_SERVER_PROTOCOL: {
    summary: '`--server`: the server answered something malformed (not JSON, a wrong shape, an error without a code, too large).',
  },
  E_DOWNLOAD_TOO_LARGE: {
    summary: '`--server`: an output file, or all of them, exceed the download bounds (CONES_SERVER_MAX_FILE_BYTES, ..._TOTAL_BYTES).',
  },
} as const satisfies CodeTable;

export type CliErrorCode = keyof typeof CLI_ERRORS;
