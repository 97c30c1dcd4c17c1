import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, parseArgs } from '../args';
import { EXIT } from '../exit-codes';
import { INSTALL_ROOT, libraryFolders } from './shared';

export const WORKER_USAGE = 'cones worker --redis URL [--models DIR ...] [--inputs DIR ...] [--provider cpu|cuda|auto] ' +
  '[--device N] [--concurrency N] [--plugin MODULE ...] [--lib DIR ...]';

const PROVIDERS = ['cpu', 'cuda', 'auto'] as const;
/** BullMQ's lock: a worker that has not renewed it for this long is presumed dead and its run retried elsewhere. */
const DEFAULT_LOCK_MS = 30_000;
const DEFAULT_INTERRUPT_GRACE_MS = 10_000;

function positiveInt(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`Expected --${name} to be an integer >= ${min} but received "${value}".`);
  return n;
}

function folders(values: string[] | undefined, name: string): string[] {
  return (values ?? []).map((dir) => {
    const abs = resolve(dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UsageError(`Expected --${name} ${dir} to be a folder, but it is not one.`);
    return abs;
  });
}

/**
 * `cones worker`: executes runs from a server's farm queue (docs/scale-out.md) until SIGTERM / Ctrl-C, then finishes
 * its current run and exits 0. The farm modules (BullMQ, ioredis) load only for this command.
 */
export async function workerCommand(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const args = parseArgs(argv, {
    options: ['redis', 'models', 'inputs', 'provider', 'device', 'concurrency', 'plugin', 'lib'], flags: [],
  });
  if (args.positionals.length) throw new UsageError(`Unexpected argument "${args.positionals[0]}". Usage: ${WORKER_USAGE}`);
  const redisUrl = args.options.get('redis')?.at(-1) ?? process.env.CONES_REDIS_URL;
  if (!redisUrl) throw new UsageError(`Expected --redis URL (or CONES_REDIS_URL). Usage: ${WORKER_USAGE}`);
  const { checkRedisUrl, redact } = await import('../../server/farm/redis-url');
  try {
    checkRedisUrl(redisUrl);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const provider = args.options.get('provider')?.at(-1);
  if (provider !== undefined && !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(`Expected --provider to be one of ${PROVIDERS.join(', ')} but received "${provider}".`);
  }
  const device = args.options.get('device')?.at(-1);
  if (device !== undefined) {
    positiveInt(device, 'device', 0, 0);
    // onnxruntime's CUDA provider uses the first visible device: one worker per GPU sees only its own.
    process.env.CUDA_VISIBLE_DEVICES = device;
  }
  const models = folders(args.options.get('models'), 'models');
  const { FarmWorker } = await import('../../server/farm/farm-worker');
  const { ServerError } = await import('../../server/codes');
  const worker = new FarmWorker({
    redisUrl,
    models: models.length ? models : [join(INSTALL_ROOT, 'models')],
    inputs: folders(args.options.get('inputs'), 'inputs'),
    registryModules: (args.options.get('plugin') ?? []).map((m) => resolve(m)),
    libraries: libraryFolders(folders(args.options.get('lib'), 'lib')),
    provider: provider as (typeof PROVIDERS)[number] | undefined,
    concurrency: positiveInt(args.options.get('concurrency')?.at(-1), 'concurrency', 1),
    lockMs: positiveInt(process.env.CONES_WORKER_LOCK_MS, 'CONES_WORKER_LOCK_MS', DEFAULT_LOCK_MS, 500),
    interruptGraceMs: DEFAULT_INTERRUPT_GRACE_MS,
    log: (line) => process.stdout.write(`[worker] ${line}\n`),
  });
  const stopped = new Promise<void>((resolveStop) => signal.addEventListener('abort', () => resolveStop(), { once: true }));
  try {
    await worker.start();
  } catch (err) {
    await worker.stop().catch(() => undefined);
    // Redis refused the password or the TLS handshake (server/farm/redis-probe.ts): a setting to fix, nothing ran.
    if (err instanceof ServerError) {
      process.stderr.write(`${err.code}: cannot start the worker: ${err.message}${err.hint ? `\n${err.hint}` : ''}\n`);
      return EXIT.INVALID;
    }
    process.stderr.write(`E_REDIS_UNAVAILABLE: cannot start the worker on ${redact(redisUrl)}: ${(err as Error).message}\n`);
    return EXIT.RUNTIME;
  }
  process.stdout.write(`[worker] ${worker.id} ready on ${redact(redisUrl)}, models: ${worker.models.join(', ') || 'none'}\n`);
  await stopped;
  process.stdout.write('[worker] stopping: finishing the current run\n');
  await worker.stop();
  process.stdout.write('[worker] stopped\n');
  return EXIT.OK;
}
