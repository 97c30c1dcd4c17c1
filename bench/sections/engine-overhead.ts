/**
 * Engine overhead: the benchmark graph run by the Engine with caching disabled (every node executes, LoadModel
 * included) against a bare script calling the same functions in the same order. Both open the model with
 * loadSdModel on every run; its ONNX sessions come from the process-wide session cache in both cases.
 */
import { resolve } from 'node:path';
import { Engine } from '../../engine';
import { loadSdModel } from '../../diffusion/model/load';
import { ROOT } from '../args';
import { BENCH_CODES, BenchError } from '../codes';
import type { BenchContext } from '../context';
import { benchGraph, benchRegistry } from '../graph';
import { imageFromPrompt } from '../pipeline';
import { emptySection, type SectionResult } from '../report/types';
import { interleaved } from '../timing';

const SECTION = 'engine';

export async function engineOverheadSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const { steps, repeats, model: folder } = ctx.opts;
  const engine = new Engine(benchRegistry());
  const graph = benchGraph({ modelFolder: folder, mode: 'adaptive', steps, seed: 0, layout: false, selfRecurrence: false });
  const runOpts = { cache: false, searchPaths: [ROOT], outputDir: resolve(ctx.scratch, 'out') };
  const viaEngine = async (): Promise<void> => {
    const summary = await engine.run(graph, runOpts);
    if (summary.cached.length) {
      throw new BenchError(BENCH_CODES.check, 'Expected every node to execute with cache: false ' +
        `but ${summary.cached.join(', ')} came from the cache.`);
    }
  };
  const bare = async (): Promise<void> => {
    const model = await loadSdModel(folder, { provider: 'cpu' });
    await imageFromPrompt(model, { mode: 'adaptive', steps, seed: 0 });
  };
  ctx.log(`engine: graph run vs bare script, ${repeats} interleaved pairs of ${steps}-step runs`);
  const t = await interleaved(viaEngine, bare, { repeats, warmup: 2 });
  out.comparisons.push({
    section: SECTION, name: `full run, ${steps} Euler steps, CFG, adaptive tokens, no layout`,
    a: { label: 'Engine.run (cache off)', ms: t.a }, b: { label: 'bare script', ms: t.b }, paired: true,
    target: { kind: 'max', value: 1.03 },
    note: 'LoadModel -> Tokenize -> Encode -> GuidedSampler -> VAEDecode; same seed on both sides',
  });
  return out;
}
