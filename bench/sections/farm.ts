/**
 * The farm (docs/scale-out.md): throughput of one server with `--redis` and 1 vs 2 `cones worker` processes (each
 * CONES_CPU_THREADS=1), and the queueing overhead of one run through the farm against the server's own worker thread.
 * Opt-in (`--only farm`); skipped with the reason when redis-server is missing. Each farm has its own redis-server
 * (appendonly yes, appendfsync always: the durable setup the docs ask for) and its own server in this process; the
 * idle farm's workers wait on their Redis, so the two sides never compete for the cores but through the machine.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from '../context';
import { median } from '../stats';
import { emptySection, type SectionResult } from '../report/types';
import { interleaved } from '../timing';
import { farmUnavailable, startFarmRedis, startWorker, type Child } from './farm-processes';
import { startBenchServer, twoSubjects, type BenchServer } from './farm-server';

const SECTION = 'farm';
/** Runs submitted at once per throughput reading (4 per worker with 2 workers). */
const BATCH = 8;
/**
 * A reading is a pair of whole batches, 1 and 2 workers (15-20 s on a quiet 2-core machine at 25 steps): at most this
 * many, which keeps the section near 3 min there (warm-up pair and the one-run rows included), under 12 when loaded.
 */
const MAX_REPEATS = 5;

export async function farmSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const unavailable = farmUnavailable();
  if (unavailable) {
    out.skipped.push({ section: SECTION, reason: unavailable });
    return out;
  }
  // The configuration: `--steps` (default 25) Euler steps per image, as every shapes-model section.
  const steps = ctx.opts.steps;
  const repeats = Math.min(ctx.opts.repeats, MAX_REPEATS);
  let seed = 1000;
  const batch = () => Array.from({ length: BATCH }, () => twoSubjects(steps, seed++));
  const children: Child[] = [];
  const servers: BenchServer[] = [];
  const savedThreads = process.env.CONES_CPU_THREADS;
  try {
    const farm = async (name: string, workers: number) => {
      const redis = await startFarmRedis(ctx.scratch);
      children.push(redis);
      const server = await startBenchServer(join(ctx.scratch, name), redis.url);
      servers.push(server);
      for (let i = 0; i < workers; i++) children.push(await startWorker(redis.url));
      return server;
    };
    ctx.log(`farm: starting 2 redis-servers, 3 workers (CONES_CPU_THREADS=1 each) and 3 servers`);
    const one = await farm('farm1', 1);
    const two = await farm('farm2', 2);
    // The server's own worker thread, with one intra-op thread too (worker threads copy the environment when created).
    process.env.CONES_CPU_THREADS = '1';
    const local = await startBenchServer(join(ctx.scratch, 'local'));
    servers.push(local);

    ctx.log(`farm: throughput, ${repeats} interleaved pairs of ${BATCH}-run batches (${steps} steps), 1 vs 2 workers`);
    const t = await interleaved(() => one.runAll(batch()), () => two.runAll(batch()), { repeats, warmup: 1 });
    out.comparisons.push({
      section: SECTION, name: `${BATCH} runs of two-subjects-layout (${steps} steps) submitted at once: 1 vs 2 workers`,
      a: { label: '1 worker', ms: t.a }, b: { label: '2 workers', ms: t.b }, paired: true,
      note: `A / B is the speed-up of the second worker; ${availableParallelism()} cores, each worker CONES_CPU_THREADS=1, ` +
        'the server, Redis and the bench share the same cores',
    });
    const perMinute = (ms: number[]) => `${((BATCH * 60_000) / median(ms)).toFixed(1)} runs/min`;
    out.figures.push(
      { section: SECTION, name: 'throughput, 1 worker', value: perMinute(t.a), n: repeats, note: `median over batches of ${BATCH}` },
      { section: SECTION, name: 'throughput, 2 workers', value: perMinute(t.b), n: repeats, note: `median over batches of ${BATCH}` },
    );

    const oneRepeats = Math.max(ctx.opts.repeats, 5);
    ctx.log(`farm: one run, farm (1 worker) vs the server's own worker thread, ${oneRepeats} interleaved pairs`);
    const o = await interleaved(() => one.runAll(batch().slice(0, 1)), () => local.runAll(batch().slice(0, 1)), { repeats: oneRepeats, warmup: 1 });
    out.comparisons.push({
      section: SECTION, name: `one run (${steps} steps), POST to run_done: farm vs embedded worker thread`,
      a: { label: 'farm, 1 worker', ms: o.a }, b: { label: 'embedded', ms: o.b }, paired: true,
      note: 'both one intra-op thread; the farm adds BullMQ, pub/sub events and the PNG through Redis',
    });
    out.figures.push({
      section: SECTION, name: 'queueing overhead of the farm, one run', value: `${(median(o.a) - median(o.b)).toFixed(0)} ms`, n: oneRepeats,
      note: 'difference of the medians above',
    });
  } finally {
    if (savedThreads === undefined) delete process.env.CONES_CPU_THREADS;
    else process.env.CONES_CPU_THREADS = savedThreads;
    for (const s of servers) await s.close().catch(() => undefined);
    for (const c of children.reverse()) await c.stop().catch(() => undefined);
  }
  return out;
}
