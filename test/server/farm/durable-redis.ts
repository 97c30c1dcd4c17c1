import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../../helpers/redis';
import { scratchDir } from '../../helpers/scratch';

const REDIS_SERVER = process.env.CONES_REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * A redis-server configured as docs/scale-out.md asks for durability (`appendonly yes`, `appendfsync always`), that a
 * test can SIGKILL and start again on the same port and folder (so it reloads its AOF).
 */
export interface DurableRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILL: no shutdown, no final save; only what the AOF holds survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder; resolves once it answers PING (its AOF loaded). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
    const client = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') {
        client.disconnect();
        return child;
      }
    } catch {
      // not listening yet, or still loading its AOF
    }
    client.disconnect();
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

export async function startDurableRedis(): Promise<DurableRedis> {
  const dir = scratchDir('redis-aof');
  const port = await freePort();
  let child = await launch(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill: () => end(child, 'SIGKILL'),
    restart: async () => {
      child = await launch(port, dir);
    },
    stop: () => end(child, 'SIGTERM'),
  };
}
