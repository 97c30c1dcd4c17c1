import { UsageError } from '../args';

/** Where and how the CLI talks to a server (`--server`, `--token`, or CONES_SERVER / CONES_TOKEN). */
export interface RemoteConfig {
  /** The server's URL without query or fragment; `pathname` ends with "/" (a server behind a path prefix works). */
  base: URL;
  token?: string;
  /** Longest wait for a TCP (or TLS) connection: E_SERVER_UNREACHABLE. */
  connectTimeoutMs: number;
  /** Longest silence of a connected server (an answer, a websocket frame or pong): E_SERVER_TIMEOUT. */
  idleTimeoutMs: number;
  /** Interval of GET /api/history/:runId while the websocket is unavailable. */
  pollMs: number;
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

/** Options every remote command accepts. */
export const REMOTE_OPTIONS = ['server', 'token'] as const;

const DEFAULTS = {
  CONES_SERVER_CONNECT_TIMEOUT_MS: 10_000,
  CONES_SERVER_TIMEOUT_MS: 60_000,
  CONES_SERVER_POLL_MS: 1000,
  CONES_SERVER_MAX_FILE_BYTES: 512 * 2 ** 20,
  CONES_SERVER_MAX_TOTAL_BYTES: 2 * 2 ** 30,
  CONES_SERVER_MAX_FILES: 10_000,
} as const;

function positiveInt(env: NodeJS.ProcessEnv, name: keyof typeof DEFAULTS): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return DEFAULTS[name];
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`Expected ${name} to be a positive integer but received "${raw}".`);
  return value;
}

function serverUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Expected --server to be a URL such as http://127.0.0.1:8188 but received "${raw}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Expected an http:// or https:// server URL but received "${raw}".`);
  }
  if (url.username || url.password) throw new UsageError('Expected the server URL without credentials: pass the token with --token or CONES_TOKEN.');
  if (url.search || url.hash) throw new UsageError(`Expected the server URL without ?query or #fragment but received "${raw}".`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * The remote target of a command, or undefined for a local one. `--server` wins over CONES_SERVER, `--token` over
 * CONES_TOKEN; a token without a server is a usage error (it would be silently ignored).
 */
export function remoteConfig(options: Map<string, string[]>, env: NodeJS.ProcessEnv = process.env): RemoteConfig | undefined {
  const server = options.get('server')?.at(-1) ?? (env.CONES_SERVER || undefined);
  const token = options.get('token')?.at(-1) ?? (env.CONES_TOKEN || undefined);
  if (server === undefined) {
    if (options.has('token')) throw new UsageError('Expected --server URL (or CONES_SERVER) with --token.');
    return undefined;
  }
  if (token !== undefined && !/^[\x21-\x7e]{1,4096}$/.test(token)) {
    throw new UsageError('Expected the token to be printable ASCII without spaces (at most 4096 characters).');
  }
  return {
    base: serverUrl(server),
    token,
    connectTimeoutMs: positiveInt(env, 'CONES_SERVER_CONNECT_TIMEOUT_MS'),
    idleTimeoutMs: positiveInt(env, 'CONES_SERVER_TIMEOUT_MS'),
    pollMs: positiveInt(env, 'CONES_SERVER_POLL_MS'),
    maxFileBytes: positiveInt(env, 'CONES_SERVER_MAX_FILE_BYTES'),
    maxTotalBytes: positiveInt(env, 'CONES_SERVER_MAX_TOTAL_BYTES'),
    maxFiles: positiveInt(env, 'CONES_SERVER_MAX_FILES'),
  };
}

/** Refuses local-only options that a server run cannot honour, rather than ignoring them. */
export function refuseLocalOptions(options: Map<string, string[]>, flags: Set<string>, names: readonly string[], why: string): void {
  const given = names.filter((n) => options.has(n) || flags.has(n));
  if (given.length) throw new UsageError(`Expected no ${given.map((n) => `--${n}`).join(', ')} with --server: ${why}`);
}

/** The server as printed: origin and path prefix, never a token. */
export function displayServer(cfg: RemoteConfig): string {
  return `${cfg.base.origin}${cfg.base.pathname === '/' ? '' : cfg.base.pathname.replace(/\/$/, '')}`;
}
