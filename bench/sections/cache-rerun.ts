/**
 * The engine's node cache: one Engine instance runs the graph, then runs it again with only the seed changed, so
 * LoadModel, Tokenize and Encode come from the cache and only the sampler and the decoder run. A fresh Engine per
 * repeat; ONNX sessions stay in the process-wide session cache (the memory section measures a cold process).
 */
import { resolve } from 'node:path';
import { Engine } from '../../engine';
import { ROOT } from '../args';
import { BENCH_CODES, BenchError } from '../codes';
import type { BenchContext } from '../context';
import { benchGraph, benchRegistry, withSeed } from '../graph';
import { emptySection, type SectionResult } from '../report/types';
import { timeOnce } from '../timing';

const SECTION = 'cache';

export async function cacheRerunSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const { steps, repeats, model: folder } = ctx.opts;
  const registry = benchRegistry();
  const graph = benchGraph({ modelFolder: folder, mode: 'adaptive', steps, seed: 0, layout: false, selfRecurrence: false });
  const runOpts = { searchPaths: [ROOT], outputDir: resolve(ctx.scratch, 'out') };
  const first: number[] = [];
  const rerun: number[] = [];
  let executed: string[] = [];
  ctx.log(`cache: first run vs seed-changed re-run x ${repeats}`);
  for (let i = -1; i < repeats; i++) {
    const engine = new Engine(registry);
    const t1 = await timeOnce(() => engine.run(graph, runOpts));
    let summary: Awaited<ReturnType<Engine['run']>> | undefined;
    const t2 = await timeOnce(async () => {
      summary = await engine.run(withSeed(graph, 1), runOpts);
    });
    executed = summary!.executed;
    if (!summary!.cached.includes('encode')) {
      throw new BenchError(BENCH_CODES.check, 'Expected the seed-changed re-run to take Encode from the cache ' +
        `but it executed ${executed.join(', ')}.`);
    }
    if (i < 0) continue; // warm-up
    first.push(t1);
    rerun.push(t2);
  }
  out.comparisons.push({
    section: SECTION, name: `seed-changed re-run vs first run (one Engine, ${steps} steps)`,
    a: { label: 're-run', ms: rerun }, b: { label: 'first run', ms: first }, paired: true,
    note: `re-run executes ${executed.join(', ')}; sessions warm (process-wide cache)`,
  });
  return out;
}
