/**
 * Peak memory and cold-start cost, each in a fresh Node.js process (bench/child/graph-run.ts): peak RSS of a
 * whole graph run against the size of the model weights it opens, and the seed-changed re-run against the cold
 * first run (sessions opened, for layout also the UNet patched and opened a second time).
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readSdFolder } from '../../diffusion/model/sd-folder';
import { ROOT } from '../args';
import { runTsChild } from '../child/spawn';
import type { BenchContext } from '../context';
import { formatBytes } from '../report/format';
import { emptySection, type SectionResult } from '../report/types';
import { median } from '../stats';

const SECTION = 'memory';
const CHILD = join(ROOT, 'bench', 'child', 'graph-run.ts');
/** Each child costs a process start and a cold model load; five readings give a stable median. */
const MAX_CHILDREN = 5;

interface ChildResult {
  firstMs?: number;
  rerunMs?: number;
  executed?: string[];
  maxRssKiB: number;
}

/** Bytes of the weights the pipeline opens: text encoder, UNet and VAE decoder files with any external data. */
export function weightBytes(modelFolder: string): number {
  const folder = readSdFolder(modelFolder);
  let total = 0;
  for (const file of [folder.textEncoder, folder.unet, folder.vaeDecoder]) {
    const dir = dirname(file);
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.json') || name.endsWith('.layout.onnx')) continue; // configs; the patched copy is derived
      total += statSync(join(dir, name)).size;
    }
  }
  return total;
}

export async function memorySection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const { steps, model: folder } = ctx.opts;
  const n = Math.min(ctx.opts.repeats, MAX_CHILDREN);
  const weights = weightBytes(folder);
  const runs: Record<'baseline' | 'plain' | 'layout', ChildResult[]> = { baseline: [], plain: [], layout: [] };
  ctx.log(`memory: ${n} fresh processes each for baseline, plain and layout graphs`);
  for (let i = 0; i < n; i++) {
    for (const mode of ['baseline', 'plain', 'layout'] as const) {
      runs[mode].push(await runTsChild<ChildResult>(CHILD, [folder, String(steps), mode]));
    }
  }
  const rss = (mode: keyof typeof runs): number => median(runs[mode].map((r) => r.maxRssKiB * 1024));
  const base = rss('baseline');
  out.figures.push({
    section: SECTION, name: 'model weights opened (text encoder + UNet + VAE decoder files)', value: formatBytes(weights), n: null,
  });
  out.figures.push({
    section: SECTION, name: 'peak RSS, process with engine + nodes + onnxruntime loaded, no run', value: formatBytes(base), n,
  });
  for (const mode of ['plain', 'layout'] as const) {
    const peak = rss(mode);
    const graphKind = mode === 'plain' ? 'unguided' : 'layout + self-recurrence';
    out.figures.push({
      section: SECTION, name: `peak RSS, ${graphKind} graph, first run + seed re-run`,
      value: `${formatBytes(peak)} = ${(peak / weights).toFixed(1)}x the weights; ` +
        `above baseline ${formatBytes(peak - base)} = ${((peak - base) / weights).toFixed(1)}x`,
      n,
      note: mode === 'layout' ? 'one UNet session (the layout-patched graph, fed zero bias when unguided)' : '',
    });
    out.comparisons.push({
      section: SECTION, name: `cold process: seed-changed re-run vs first run (${graphKind}, ${steps} steps)`,
      a: { label: 're-run', ms: runs[mode].map((r) => r.rerunMs!) },
      b: { label: 'cold first run', ms: runs[mode].map((r) => r.firstMs!) },
      paired: true,
      note: `first run opens the ONNX sessions${mode === 'layout' ? ' and patches the UNet' : ''}; ` +
        `re-run executes ${runs[mode][0].executed?.join(', ')}`,
    });
  }
  return out;
}
