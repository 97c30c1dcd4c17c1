import { CodedError } from '../errors/coded-error';
import type { CodeEntry, CodeTable } from '../errors/code-table';

/**
 * The server's coded error catalogue. Every error response is `{ error: { code, message, hint?, issues? } }`
 * with the HTTP status listed here; clients key on `code`, never on the message.
 *
 * Graph validation problems keep the engine's own codes (E_UNKNOWN_NODE_TYPE, E_TYPE_MISMATCH, ...) in `issues`.
 */
export const SERVER_ERRORS = {
  E_BAD_JSON: { status: 400, summary: 'The request body is not valid JSON.' },
  E_BAD_REQUEST: { status: 400, summary: 'The request is missing a field or a field has the wrong type.' },
  E_GRAPH_INVALID: { status: 400, summary: 'The submitted graph failed validation; `issues` lists every problem.' },
  E_PATH_INVALID: { status: 400, summary: 'A path is malformed (NUL byte, bad percent-encoding, empty).' },
  E_UPLOAD_FILENAME: { status: 400, summary: 'The upload has no usable ?filename= (plain name, no folders).' },
  E_UPLOAD_EXTENSION: { status: 400, summary: 'The upload\'s file extension is not accepted in that folder.' },
  E_UPLOAD_CONTENT: { status: 400, summary: 'The uploaded bytes do not match the file type its extension claims.' },
  E_LIB_NAME: { status: 400, summary: 'A library subgraph name is not letters, digits, _ and - (no dots, no slashes, at most 100).' },
  E_LIB_INVALID: { status: 400, summary: 'The body of POST /api/lib/:name is not a graph file usable as a subgraph (`issues` says why).' },
  E_UNAUTHORIZED: { status: 401, summary: 'A token is required: send `Authorization: Bearer <token>` or `?token=`.' },
  E_PATH_OUTSIDE_FOLDER: { status: 403, summary: 'The path leaves its folder (.., absolute path, or a symlink out).' },
  E_FORBIDDEN_ORIGIN: {
    status: 403, summary: 'Without a token, only loopback Host and Origin headers are accepted (DNS rebinding, cross-site pages).',
  },
  E_FOLDER_READ_ONLY: { status: 403, summary: 'Uploads are not accepted into this folder.' },
  E_NOT_FOUND: { status: 404, summary: 'No such route, file or example graph.' },
  E_UNKNOWN_FOLDER: { status: 404, summary: 'The folder is not one the server exposes.' },
  E_RUN_NOT_FOUND: { status: 404, summary: 'No queued, running or recorded run has that id.' },
  E_RUN_NOT_PENDING: { status: 409, summary: 'The run is not waiting in the queue (running or finished).' },
  E_RUN_NOT_RUNNING: { status: 409, summary: 'The run is not the running one (use DELETE /api/queue/:runId for a pending run).' },
  E_LIB_NO_FOLDER: { status: 409, summary: 'The server has no writable library folder: start it with --lib DIR to save subgraphs.' },
  E_LIB_EXISTS: { status: 409, summary: 'The library already has a subgraph of that name; add ?overwrite=1 to replace it.' },
  E_RUN_NOT_FINISHED: { status: 409, summary: 'The run is pending or running; only finished runs can be deleted from the history.' },
  E_PAYLOAD_TOO_LARGE: { status: 413, summary: 'The body is larger than the server accepts.' },
  E_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'The Content-Type does not fit the endpoint or the file.' },
  E_DATA_DIR_UNWRITABLE: {
    status: 503, summary: 'The server\'s data folder cannot be written, so a run cannot be stored durably (it was not queued) ' +
      'or a history deletion cannot be recorded (nothing was deleted).',
  },
  E_REDIS_UNAVAILABLE: {
    status: 503, summary: 'With --redis: the run could not be stored in Redis (unreachable, refused), so it was not queued.',
  },
  E_INTERNAL: { status: 500, summary: 'An unexpected failure (a bug): the server logs the details, the CLI prints them.' },
  // Startup errors (thrown by startServer, no HTTP status; a ServerError built from one reports 500).
  E_TOKEN_REQUIRED: { summary: 'Binding to a non-loopback host needs a token.' },
  E_BAD_OPTIONS: { summary: 'startServer was given an invalid option.' },
  E_REDIS_AUTH: {
    summary: 'With --redis or `cones worker`: Redis refused the URL\'s password or user (WRONGPASS, NOAUTH); give it as ' +
      'redis://:PASSWORD@host:port or redis://USER:PASSWORD@host:port.',
  },
  E_REDIS_TLS: {
    summary: 'With a rediss:// URL: the TLS connection to Redis failed (certificate not trusted: CONES_REDIS_CA or ' +
      'NODE_EXTRA_CA_CERTS; another host\'s certificate; not a TLS port), or CONES_REDIS_CA cannot be used.',
  },
  // Run outcomes recorded in history and events (not HTTP responses).
  E_RUN_TIMEOUT: { summary: 'The run took longer than the server\'s per-run time limit (--run-timeout) and was stopped.' },
  E_WORKER_CRASHED: { summary: 'The execution worker died during the run; it was restarted.' },
  // Run outcomes of a farm (--redis, `cones worker`).
  E_NO_WORKER_FOR_MODEL: { summary: 'No live `cones worker` holds a model folder the run needs (see each worker\'s --models).' },
  E_WORKER_LOST: {
    summary: 'The workers executing the run stopped answering (killed, machine lost) more often than the retry limit allows, ' +
      'or its job vanished from Redis.',
  },
  E_OUTPUT_TOO_LARGE: { summary: 'A farm run\'s output files exceed what a worker may return through Redis (count or bytes).' },
  E_FARM_JOB_INVALID: { summary: 'A worker received a job from Redis that is not a well-formed run (refused without running).' },
} as const satisfies CodeTable;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

/** Codes the editor's API client (editor/api.js) makes up itself when a response carries no `{ error }` body. */
export const CLIENT_ERRORS = {
  E_SUBGRAPH_EXISTS: { summary: 'Collapse to subgraph: the file already embeds a subgraph of the name given.' },
  E_SUBGRAPH_SELECTION: { summary: 'Collapse to subgraph: no node of the graph is selected.' },
  E_SUBGRAPH_OPEN: { summary: 'Collapse to subgraph while a subgraph is open for editing: go Back to the top-level graph first.' },
  E_HTTP: {
    summary: 'An HTTP request failed with a response that has no coded error body (a proxy, a crash); the message gives the status.',
  },
} as const satisfies CodeTable;

/** A failure a client (or the person starting the server) caused; carries its HTTP status. */
export class ServerError extends CodedError<ServerErrorCode> {
  readonly status: number;
  readonly issues?: unknown[];

  constructor(code: ServerErrorCode, message: string, opts: { hint?: string; issues?: unknown[]; cause?: unknown } = {}) {
    super(code, message, { hint: opts.hint, cause: opts.cause });
    // The hint travels beside the message in the response body, so the message stays the bare message.
    this.message = message;
    this.name = 'ServerError';
    const entry: CodeEntry = SERVER_ERRORS[code];
    this.status = entry.status ?? 500;
    this.issues = opts.issues;
  }

  toBody(): { error: { code: string; message: string; hint?: string; issues?: unknown[] } } {
    return { error: { code: this.code, message: this.message, hint: this.hint, issues: this.issues } };
  }
}
