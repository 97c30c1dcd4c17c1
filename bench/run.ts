/**
 * `npm run bench`: performance benchmarks of the pipeline (issue 6 part 2). See bench/README.md for what each
 * section measures.
 *
 *   node --import tsx bench/run.ts [--quick] [--large] [--only a,b] [--repeats N] [--steps N] [--out FILE] ...
 *
 * Prints the markdown results to stdout and writes them to --out (default bench/RESULTS.md; --quick defaults to a
 * temp file, so a smoke run never overwrites the committed results). Progress goes to stderr.
 * Exit codes: 0 done, 1 a section failed (the others still ran and are reported), 2 bad arguments or model.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseBenchArgs, ROOT, type BenchOptions, type SectionName } from './args';
import { BENCH_CODES, BENCH_ERRORS, BenchError } from './codes';
import { BenchContext } from './context';
import { currentLoad, machineInfo } from './machine';
import { comparisonLine, renderMarkdown } from './report/markdown';
import { emptySection, type SectionResult } from './report/types';
import { cacheRerunSection } from './sections/cache-rerun';
import { computeSection } from './sections/compute';
import { engineOverheadSection } from './sections/engine-overhead';
import { farmSection } from './sections/farm';
import { largeModelSection } from './sections/large-model';
import { layoutCostSection } from './sections/layout-cost';
import { memorySection } from './sections/memory';
import { tokenLengthSection } from './sections/token-length';
import { torchReferenceSection } from './sections/torch-reference';
import { PROMPT } from './pipeline';

const RUNNERS: Record<SectionName, (ctx: BenchContext) => Promise<SectionResult>> = {
  compute: computeSection,
  engine: engineOverheadSection,
  layout: layoutCostSection,
  tokens: tokenLengthSection,
  cache: cacheRerunSection,
  memory: memorySection,
  torch: torchReferenceSection,
  large: largeModelSection,
  farm: farmSection,
};

function settings(opts: BenchOptions): string[] {
  return [
    `Shapes model ${relative(ROOT, opts.model) || opts.model}; prompt "${PROMPT}"; Euler, CFG 5, ${opts.steps} steps; ` +
      'layout: two boxes, gw 0.2, every step guided.',
    `${opts.repeats} repeats per timing unless a row says otherwise ` +
      '(UNet-call rows: 4x as many; child-process and PyTorch rows: fewer, see "repeats"), after untimed warm-up runs.',
    'Paired rows ran interleaved (A B, B A, ...); "pair ratios" is the interquartile range of the per-repeat A / B, ' +
      'a direct read of the noise.',
    'onnxruntime CPU execution provider with one intra-op thread per core ' +
      '(as the pipeline opens its sessions, diffusion/onnx/session.ts), except rows that name another thread count; ' +
      'sections run one after another in one process, except the memory and large children.',
    `Sections: ${opts.sections.join(', ')}.`,
  ];
}

async function main(argv: string[]): Promise<number> {
  const opts = parseBenchArgs(argv);
  if (!existsSync(join(opts.model, 'unet', 'model.onnx'))) {
    throw new BenchError(BENCH_CODES.model, `Expected a Stable Diffusion ONNX folder at ${opts.model} but it has no unet/model.onnx.`, {
      hint: 'Pass --model DIR, or restore models/shapes.',
    });
  }
  const started = performance.now();
  const machine = machineInfo();
  const scratch = mkdtempSync(join(tmpdir(), 'cones-bench-'));
  const ctx = new BenchContext(opts, scratch);
  const results = emptySection();
  let failed = false;
  for (const name of opts.sections) {
    ctx.log(`== ${name}`);
    try {
      const r = await RUNNERS[name](ctx);
      for (const c of r.comparisons) ctx.log(comparisonLine(c));
      for (const s of r.skipped) ctx.log(`skipped: ${s.reason}`);
      results.comparisons.push(...r.comparisons);
      results.figures.push(...r.figures);
      results.skipped.push(...r.skipped);
    } catch (err) {
      failed = true;
      const e = err as { code?: string; message?: string };
      ctx.log(`FAILED ${name}: ${e.code ?? ''} ${e.message ?? String(err)}`);
      results.skipped.push({ section: name, reason: `FAILED: ${e.code ?? 'error'}: ${e.message ?? String(err)}` });
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  machine.loadEnd = currentLoad();
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const wallSeconds = (performance.now() - started) / 1000;
  const markdown = renderMarkdown({ machine, command, wallSeconds, settings: settings(opts), results });
  process.stdout.write(`${markdown}\n`);
  writeFileSync(opts.out, `${markdown}\n`);
  ctx.log(`wrote ${opts.out}`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`${e.code ?? 'error'}: ${e.message ?? String(err)}\n`);
    process.exit(typeof e.code === 'string' && Object.hasOwn(BENCH_ERRORS, e.code) ? 2 : 1);
  },
);
