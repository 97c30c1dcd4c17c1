import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** A private redis-server on a free loopback port in a temp folder, ready (PING answered). No persistence by default. */
export async function startRedis(opts: { persist?: boolean } = {}): Promise<TestRedis> {
  const dir = scratchDir('redis');
  const port = await freePort();
  const persistence = opts.persist ? ['--appendonly', 'yes'] : ['--save', '', '--appendonly', 'no'];
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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
