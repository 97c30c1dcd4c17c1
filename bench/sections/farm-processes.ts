/**
 * The processes of the farm benchmark: a private redis-server (configured as docs/scale-out.md asks: appendonly yes,
 * appendfsync always, noeviction) and `cones worker` children started as users start them (`node bin/cones.mjs worker`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../args';
import { BENCH_CODES, BenchError } from '../codes';

export const REDIS_SERVER = process.env.CONES_REDIS_SERVER ?? '/usr/bin/redis-server';

/** Why the farm section cannot run here, or undefined. */
export function farmUnavailable(): string | undefined {
  return existsSync(REDIS_SERVER) ? undefined
    : `no redis-server at ${REDIS_SERVER} (Debian: apt-get install -y redis-server, or set CONES_REDIS_SERVER)`;
}

export interface Child {
  process: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
}

/** Resolves once something accepts TCP connections on the port (redis-server then answers commands). */
async function listening(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new BenchError(BENCH_CODES.child, `${what} exited with ${child.exitCode} before listening.`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new BenchError(BENCH_CODES.child, `${what} did not listen on port ${port} within 10 s.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(dir: string): Promise<Child & { url: string }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes',
    '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'];
  const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
  await listening(port, child, 'redis-server');
  return { process: child, url: `redis://127.0.0.1:${port}`, stop: stopper(child) };
}

/** A `cones worker` with one intra-op thread (CONES_CPU_THREADS=1); resolves once it printed its ready line. */
export async function startWorker(redisUrl: string): Promise<Child> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'cones.mjs'), 'worker', '--redis', redisUrl], {
    cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', CONES_CPU_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new BenchError(BENCH_CODES.child, `cones worker printed no ready line in 60 s: ${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (/ ready on /.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new BenchError(BENCH_CODES.child, `cones worker exited with ${code}: ${out}`)));
  });
  return { process: child, stop: stopper(child) };
}
