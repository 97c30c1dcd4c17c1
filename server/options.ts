import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ServerError } from './codes';
import { checkRedisUrl } from './farm/redis-url';
import { INSTALL_ROOT } from './graph-paths';

/** The subgraph library shipped with the install (`lib/two-subjects`, ...). */
export const INSTALL_LIBRARY = resolve(INSTALL_ROOT, 'graphs', 'lib');

/** The folders the server reads and writes; nothing outside them is served. */
export interface ServerFolders {
  /** Run outputs: each run writes into `outputs/<runId>/`. */
  outputs: string;
  inputs: string;
  residuals: string;
  layouts: string;
  /** Example graphs (read-only). */
  graphs: string;
}

export interface ServerOptions {
  /** Default 127.0.0.1. Any other address than loopback needs a token. */
  host?: string;
  /** 0 picks a free port (tests). Default 8188. */
  port?: number;
  token?: string;
  /** Where the queue and the history are persisted. */
  dataDir: string;
  folders: ServerFolders;
  /** Extra node modules exporting `nodes` (the CLI's --plugin contract). */
  registryModules?: string[];
  /** Library folders for `lib/NAME` subgraph node types, searched first; the install's graphs/lib comes last. */
  libraries?: string[];
  /** Most recent runs kept in history (default 1000). */
  historyLimit?: number;
  /** How long a run may ignore an interrupt (a node that never calls throwIfAborted) before its worker is
   *  terminated and restarted (default 10 s). */
  interruptGraceMs?: number;
  /** Longest a run may take before it is stopped with E_RUN_TIMEOUT and the queue moves on (default 1 h; 0 = none). */
  runTimeoutMs?: number;
  /** A Redis URL (redis:// or rediss://): runs go to a farm of `cones worker` processes through BullMQ instead of
   *  this server's worker thread. */
  redisUrl?: string;
  /** Farm: how long a run may wait for a live worker holding its models when none is live at all (default 30 s). */
  noWorkerGraceMs?: number;
}

export const FOLDER_NAMES = ['outputs', 'inputs', 'residuals', 'layouts', 'graphs'] as const;
export type FolderName = (typeof FOLDER_NAMES)[number];

export interface ResolvedOptions {
  host: string;
  port: number;
  token?: string;
  dataDir: string;
  folders: Record<FolderName, string>;
  registryModules: string[];
  /** The given library folders, then the install's graphs/lib. */
  libraries: string[];
  historyLimit: number;
  interruptGraceMs: number;
  runTimeoutMs: number;
  redisUrl?: string;
  noWorkerGraceMs: number;
}

export const DEFAULT_PORT = 8188;
const DEFAULT_HISTORY_LIMIT = 1000;
const DEFAULT_INTERRUPT_GRACE_MS = 10_000;
/** An SD-sized image on a CPU takes minutes; an hour bounds a stuck run without cutting real ones. */
const DEFAULT_RUN_TIMEOUT_MS = 60 * 60_000;
/** Workers starting together with the server need a few heartbeats to advertise their models. */
const DEFAULT_NO_WORKER_GRACE_MS = 30_000;

function checkedTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new ServerError('E_BAD_OPTIONS', `Expected a run time limit >= 0 ms (0 = none) but received ${ms}.`);
  return ms;
}
/** Short tokens can be guessed over the network; 16 characters is a floor, not a recommendation. */
const MIN_TOKEN_LENGTH = 16;

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === '::1' || h.startsWith('::ffff:127.');
}

/** Checks and fills in the options; refuses an exposed server without a token (E_TOKEN_REQUIRED). */
export function resolveOptions(opts: ServerOptions): ResolvedOptions {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServerError('E_BAD_OPTIONS', `Expected a port between 0 and 65535 but received ${String(opts.port)}.`);
  }
  const token = opts.token === '' ? undefined : opts.token;
  if (!isLoopback(host) && !token) {
    throw new ServerError('E_TOKEN_REQUIRED', `Refusing to listen on ${host} without a token: ` +
      'anyone on that network could run graphs and read files.', {
      hint: 'Set a token (--token or CONES_TOKEN), or bind to 127.0.0.1.',
    });
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ServerError('E_BAD_OPTIONS', `Expected a token of at least ${MIN_TOKEN_LENGTH} characters but received ${token.length}.`, {
      hint: 'Generate one with `node -e "console.log(crypto.randomUUID())"`.',
    });
  }
  if (!opts.dataDir) {
    throw new ServerError('E_BAD_OPTIONS', 'Expected `dataDir` (where the queue and history are kept) but received nothing.');
  }
  const folders = {} as Record<FolderName, string>;
  for (const name of FOLDER_NAMES) {
    const dir = opts.folders?.[name];
    if (typeof dir !== 'string' || !dir) {
      throw new ServerError('E_BAD_OPTIONS', `Expected \`folders.${name}\` to be a folder path but received ${String(dir)}.`);
    }
    folders[name] = resolve(dir);
  }
  return {
    host,
    port,
    token,
    dataDir: resolve(opts.dataDir),
    folders,
    registryModules: (opts.registryModules ?? []).map((m) => resolve(m)),
    libraries: [...(opts.libraries ?? []).map((dir) => resolve(dir)), INSTALL_LIBRARY],
    historyLimit: opts.historyLimit ?? DEFAULT_HISTORY_LIMIT,
    interruptGraceMs: opts.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS,
    runTimeoutMs: checkedTimeout(opts.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS),
    redisUrl: opts.redisUrl ? checkRedisUrl(opts.redisUrl) : undefined,
    noWorkerGraceMs: opts.noWorkerGraceMs ?? DEFAULT_NO_WORKER_GRACE_MS,
  };
}
