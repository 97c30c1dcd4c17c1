/**
 * Measurement child of the memory section, run in a fresh process:
 *
 *   node --import tsx bench/child/graph-run.ts MODEL_DIR STEPS plain|layout|baseline
 *
 * plain/layout: one Engine runs the benchmark graph cold (sessions opened, UNet patched for layout), then again with
 * only the seed changed. baseline: loads the same modules (engine, nodes and, through them, onnxruntime) and runs nothing.
 * Prints one JSON line: { firstMs, rerunMs, executed, maxRssKiB } (process.resourceUsage().maxRSS is in KiB).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../engine';
import { ROOT } from '../args';
import { benchGraph, benchRegistry, withSeed } from '../graph';

const [folder, stepsText, mode] = process.argv.slice(2);
const registry = benchRegistry();
if (mode === 'baseline') {
  process.stdout.write(`${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`);
} else {
  const layout = mode === 'layout';
  const graph = benchGraph({ modelFolder: folder, mode: 'adaptive', steps: Number(stepsText), seed: 0, layout, selfRecurrence: layout });
  const engine = new Engine(registry);
  const runOpts = { searchPaths: [ROOT], outputDir: join(tmpdir(), 'cones-bench-out') };
  const t0 = performance.now();
  await engine.run(graph, runOpts);
  const t1 = performance.now();
  const again = await engine.run(withSeed(graph, 1), runOpts);
  const t2 = performance.now();
  const result = { firstMs: t1 - t0, rerunMs: t2 - t1, executed: again.executed, maxRssKiB: process.resourceUsage().maxRSS };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
