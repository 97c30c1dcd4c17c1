/**
 * The processes of the farm benchmark: a private redis-server (configured as docs/scale-out.md asks: appendonly yes,
 * appendfsync always, noeviction) and `cones worker` children started as users start them (`node bin/cones.mjs worker`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../args';
import { BENCH_CODES, BenchError } from '../codes';
import { endProcess, NO_REDIS, startRedis } from '../../test/helpers/redis';

/** Why the farm section cannot run here, or undefined. */
export function farmUnavailable(): string | undefined {
  return NO_REDIS || undefined;
}

export interface Child {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The farm's Redis, configured as docs/scale-out.md asks (the tests' helper, durable), its AOF in `dir`. */
export async function startFarmRedis(dir: string): Promise<Child & { url: string }> {
  try {
    return await startRedis({ durable: true, dir });
  } catch (err) {
    throw new BenchError(BENCH_CODES.child, (err as Error).message);
  }
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
  return { process: child, stop: () => endProcess(child, 'SIGTERM') };
}
