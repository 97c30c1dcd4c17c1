import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { scratchDir } from './scratch';

const REDIS_SERVER = process.env.CONES_REDIS_SERVER ?? '/usr/bin/redis-server';

/** Why the Redis tests cannot run here, or false. `.ci/run` installs Debian's redis-server with apt. */
export const NO_REDIS: string | false = existsSync(REDIS_SERVER) ? false
  : `redis-server not found at ${REDIS_SERVER}: install it (apt-get install -y redis-server) or set CONES_REDIS_SERVER`;

/**
 * Call once at the top of a Redis test file: under CI=true a missing redis-server is a failure, not a skip
 * (CI installs it, so its absence means the tests silently stopped running).
 */
export function requireRedisInCi(): void {
  if (NO_REDIS && process.env.CI === 'true') {
    test('redis-server is installed (required under CI=true)', () => {
      throw new Error(NO_REDIS as string);
    });
  }
}

export interface TestRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free loopback TCP port (bound once, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** TLS files for a test Redis (PEM paths): its certificate and key, and the CA that signed them. */
export interface RedisTlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export interface RedisStartOptions {
  /** `appendonly yes` (default: no persistence at all). */
  persist?: boolean;
  /**
   * Configured as docs/scale-out.md asks a farm's Redis to be: `appendonly yes`, `appendfsync always`,
   * `maxmemory-policy noeviction` (implies persist).
   */
  durable?: boolean;
  /** Its working folder (the AOF goes there); default a scratch folder removed when the process exits. */
  dir?: string;
  /** Its port; default a free one. */
  port?: number;
  /** `requirepass`: the URL carries it, `redis://:PASSWORD@127.0.0.1:PORT`. */
  password?: string;
  /** TLS only (`port 0`, `tls-port`, `tls-auth-clients no`): the URL is `rediss://...@localhost:PORT`. */
  tls?: RedisTlsFiles;
}

export interface LaunchedRedis extends TestRedis {
  dir: string;
}

/**
 * A private redis-server on a loopback port, ready (PING answered; an AOF it was given is loaded by then). No
 * persistence by default; optionally durable, a password and TLS (then only the TLS port listens, on 127.0.0.1 and
 * ::1 when there is one). Also used by the farm benchmark (bench/sections/farm-processes.ts).
 */
export async function startRedis(opts: RedisStartOptions = {}): Promise<LaunchedRedis> {
  const dir = opts.dir ?? scratchDir('redis');
  const port = opts.port ?? await freePort();
  const persistence = opts.durable ? ['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction']
    : opts.persist ? ['--appendonly', 'yes'] : ['--appendonly', 'no'];
  const listen = opts.tls
    ? ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '-::1', '--tls-cert-file', opts.tls.cert,
      '--tls-key-file', opts.tls.key, '--tls-ca-cert-file', opts.tls.ca, '--tls-auth-clients', 'no']
    : ['--port', String(port), '--bind', '127.0.0.1'];
  const auth = opts.password ? ['--requirepass', opts.password] : [];
  const child = spawn(REDIS_SERVER, [...listen, '--dir', dir, '--save', '', ...persistence, ...auth], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  // Redis reports bad configuration (a build without TLS, an unreadable certificate) on stdout.
  child.stdout!.on('data', (d) => (stderr += d));
  const credentials = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  const url = opts.tls ? `rediss://${credentials}localhost:${port}` : `redis://${credentials}127.0.0.1:${port}`;
  const tls = opts.tls ? { tls: { ca: readFileSync(opts.tls.ca, 'utf8') } } : {};
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
    const client = new Redis(url, { ...tls, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') {
        client.disconnect();
        break;
      }
    } catch {
      // not listening yet, or still loading its AOF
    }
    client.disconnect();
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, dir, process: child, stop: () => endProcess(child, 'SIGTERM') };
}

/** Sends the signal unless the process has ended; resolves once it has. */
export async function endProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
