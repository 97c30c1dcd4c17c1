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
  /** `requirepass`: the URL carries it, `redis://:PASSWORD@127.0.0.1:PORT`. */
  password?: string;
  /** TLS only (`port 0`, `tls-port`, `tls-auth-clients no`): the URL is `rediss://...@localhost:PORT`. */
  tls?: RedisTlsFiles;
}

/**
 * A private redis-server on a free loopback port in a temp folder, ready (PING answered). No persistence by default;
 * optionally a password and TLS (then only the TLS port listens, on 127.0.0.1 and ::1 when there is one).
 */
export async function startRedis(opts: RedisStartOptions = {}): Promise<TestRedis> {
  const dir = scratchDir('redis');
  const port = await freePort();
  const persistence = opts.persist ? ['--appendonly', 'yes'] : ['--save', '', '--appendonly', 'no'];
  const listen = opts.tls
    ? ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '-::1', '--tls-cert-file', opts.tls.cert,
      '--tls-key-file', opts.tls.key, '--tls-ca-cert-file', opts.tls.ca, '--tls-auth-clients', 'no']
    : ['--port', String(port), '--bind', '127.0.0.1'];
  const auth = opts.password ? ['--requirepass', opts.password] : [];
  const child = spawn(REDIS_SERVER, [...listen, '--dir', dir, ...persistence, ...auth], {
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
      // not listening yet
    }
    client.disconnect();
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
