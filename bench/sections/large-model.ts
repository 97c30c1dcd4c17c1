/**
 * A Stable Diffusion 1.5-sized UNet (random weights, built by training/make_sd15_unet.py) on this CPU: time per
 * UNet call at 256 and 512 px (CFG batch 2), FLOPs per call from the ORT profile (checked against the analytic
 * count the Python script recorded), the achieved rate against the measured MatMul rate, and peak RSS against the
 * weights. Opt-in (--large): each 512 px call takes seconds to tens of seconds here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../args';
import { runTsChild } from '../child/spawn';
import type { BenchContext } from '../context';
import { formatBytes, formatMs, formatSi } from '../report/format';
import { emptySection, type SectionResult, type Timed } from '../report/types';
import type { RunAttribution } from '../onnx/profile';
import { median, pairRatios, quantile } from '../stats';

const SECTION = 'large';
const CHILD = join(ROOT, 'bench', 'child', 'large-unet.ts');
const GUIDED_CHILD = join(ROOT, 'bench', 'child', 'large-guided.ts');

/** glibc's MALLOC_MMAP_THRESHOLD_ of the third guided child: 1 MiB. */
const MMAP_THRESHOLD = 1048576;

interface GuidedResult {
  patchMs: number;
  patchMaxRssKiB: number;
  layers: number;
  /** Query slices of the highest-resolution self-attentions, and how many were sliced. */
  querySlices: number;
  sliced: number;
  guidedLayers: number;
  sessionMs: number;
  rssAfterSessionKiB: number;
  guided: number[];
  unguided: number[];
  feedsMs: number[];
  maxRssKiB: number;
  /** With the child's `profile` argument: each timed call's kernel time, split into layout-bias nodes and the rest. */
  profile?: { guided: RunAttribution[]; unguided: RunAttribution[] };
}

interface Manifest {
  parameters: number;
  weight_bytes_on_disk: number;
  flops_per_call: { batch: number; latent: number; sequence: number; total: number; attention: number }[];
}

interface LargeCase {
  batch: number;
  side: number;
  ms: number[];
  finite: boolean;
  flops: number | null;
  countedShare: number | null;
}

interface LargeResult {
  sessionMs: number;
  /** Best MatMul 2048^3 rate (FLOP/s, one thread per core) measured in the child right after the UNet calls. */
  matmulPeak: number;
  maxRssKiB: number;
  cases: LargeCase[];
}

export async function largeModelSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const unet = join(ctx.opts.sd15, 'unet', 'model.onnx');
  const manifestPath = join(ctx.opts.sd15, 'manifest.json');
  if (!existsSync(unet) || !existsSync(manifestPath)) {
    out.skipped.push({
      section: SECTION,
      reason: `no SD-1.5-sized UNet at ${unet}; build it with: /usr/bin/python3 training/make_sd15_unet.py ${ctx.opts.sd15}`,
    });
    return out;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  ctx.log(`large: SD-1.5-sized UNet, ${ctx.opts.largeSteps} timed calls per resolution (child process)`);
  const latentSides = ctx.opts.largeSizes.map((px) => px / 8).join(',');
  const r = await runTsChild<LargeResult>(CHILD, [unet, String(ctx.opts.largeSteps), ctx.scratch, latentSides]);
  const rss = r.maxRssKiB * 1024;
  out.figures.push({
    section: SECTION, name: 'SD-1.5-shaped UNet (random weights): parameters, fp32 weights',
    value: `${(manifest.parameters / 1e6).toFixed(1)} M, ${formatBytes(manifest.weight_bytes_on_disk)}`, n: null,
  });
  out.figures.push({
    section: SECTION, name: 'session creation (load + ORT graph optimisation)', value: formatMs(r.sessionMs), n: null,
    note: 'intraOpNumThreads = cores for every large-model call',
  });
  out.figures.push({
    section: SECTION, name: 'peak RSS of the process (all cases)',
    value: `${formatBytes(rss)} = ${(rss / manifest.weight_bytes_on_disk).toFixed(2)}x the weights`, n: null,
  });
  for (const c of r.cases) {
    const ms = median(c.ms);
    const analytic = manifest.flops_per_call.find((f) => f.batch === c.batch && f.latent === c.side)?.total;
    const label = `${c.side * 8}x${c.side * 8} (latent ${c.side}x${c.side}), batch ${c.batch}`;
    out.figures.push({
      section: SECTION, name: `UNet call ${label}`, value: formatMs(ms), n: c.ms.length,
      note: c.finite ? '' : 'output had non-finite values (random weights)',
    });
    if (c.flops !== null) {
      const rate = c.flops / (ms / 1000);
      const vsPeak = `, ${(100 * rate / r.matmulPeak).toFixed(0)}% of the MatMul peak measured in the same child ` +
        `(${formatSi(r.matmulPeak)}FLOP/s)`;
      const vsAnalytic = analytic ? `; analytic ${formatSi(analytic)}FLOP (ratio ${(c.flops / analytic).toFixed(3)})` : '';
      out.figures.push({
        section: SECTION, name: `FLOPs per call ${label}`,
        value: `${formatSi(c.flops)}FLOP (ORT profile)${vsAnalytic}`, n: null,
        note: `Conv/MatMul/Gemm kernels are ${(100 * (c.countedShare ?? 0)).toFixed(0)}% of kernel time`,
      });
      out.figures.push({ section: SECTION, name: `achieved rate ${label}`, value: `${formatSi(rate)}FLOP/s${vsPeak}`, n: c.ms.length });
    }
  }
  const small = r.cases[0];
  const big = r.cases.at(-1)!;
  if (r.cases.length > 1) {
    out.comparisons.push({
      section: SECTION, name: `SD-1.5-sized UNet call: ${big.side * 8} px vs ${small.side * 8} px (batch 2)`,
      a: { label: `${big.side * 8} px`, ms: big.ms }, b: { label: `${small.side * 8} px`, ms: small.ms }, paired: true,
      note: [
        small.flops && big.flops ? `FLOP ratio ${(big.flops / small.flops).toFixed(2)}` : '',
        attentionShares(manifest, [small.side, big.side]),
      ].filter(Boolean).join('; '),
    });
  }
  await guidedFigures(ctx, manifest, big, out);
  if (ctx.shapesUnet) {
    const sdMs = median(big.ms);
    const flopRatio = big.flops ? (big.flops / ctx.shapesUnet.flops).toFixed(0) : '?';
    out.figures.push({
      section: SECTION, name: `SD-1.5 ${big.side * 8} px call vs shapes-model call (both batch 2)`,
      value: `${(sdMs / ctx.shapesUnet.ms).toFixed(0)}x the time for ${flopRatio}x the FLOPs`, n: big.ms.length,
      note: `shapes call ${formatMs(ctx.shapesUnet.ms)}; ` +
        `extrapolated (not run): 25 steps x the median call = ${formatMs(25 * sdMs)} of UNet time per image`,
    });
  }
  return out;
}

/**
 * Layout guidance at SD scale, as the pipeline runs it (bench/child/large-guided.ts): the surgery on the 3.4 GB
 * export, one patched session, guided vs unguided calls at the largest size, peak RSS against the weights.
 */
async function guidedFigures(ctx: BenchContext, manifest: Manifest, plain: LargeCase, out: SectionResult): Promise<void> {
  const side = plain.side;
  const unet = join(ctx.opts.sd15, 'unet', 'model.onnx');
  const heads = topLevelHeads(join(ctx.opts.sd15, 'unet'));
  ctx.log(`large: layout-guided vs unguided calls at ${side * 8} px, ${ctx.opts.largeSteps} pairs (child process)`);
  const weights = manifest.weight_bytes_on_disk;
  const ratio = (kib: number): string => `${formatBytes(kib * 1024)} = ${((kib * 1024) / weights).toFixed(2)}x the weights`;
  // Batch 1 with the arena off is what splitting CFG's two rows into two calls would hold at most: a measured
  // bound for that option, which the pipeline does not take today (it runs one batch-2 call per step). The glibc
  // row sets MALLOC_MMAP_THRESHOLD_ (glibc then serves every block over 1 MiB with its own mmap and returns it on
  // free, instead of keeping freed pages in its heaps), which only the environment of a starting process can do.
  const configs = [
    { arena: true, batch: 2, mmap: false, label: 'defaults (ORT\'s: arena on, memory pattern on)' },
    { arena: true, batch: 2, mmap: false, lean: true, label: 'CONES_UNET_MEMORY=lean (memory pattern off)' },
    { arena: false, batch: 2, mmap: false, label: 'ORT memory arena off (CONES_CPU_ARENA=0)' },
    { arena: false, batch: 2, mmap: true, label: `ORT memory arena off, MALLOC_MMAP_THRESHOLD_=${MMAP_THRESHOLD}` },
    { arena: false, batch: 1, mmap: false, label: 'ORT memory arena off (batch 1 is not the pipeline\'s form)' },
    { arena: true, batch: 2, mmap: false, profile: true, label: 'defaults, ORT per-node profiler on' },
  ];
  const unguided: Timed[] = [];
  for (const [k, { arena, batch, mmap, label, lean, profile }] of configs.entries()) {
    const env: NodeJS.ProcessEnv = { ...process.env, CONES_CPU_ARENA: arena ? '1' : '0' };
    if (lean) env.CONES_UNET_MEMORY = 'lean';
    else delete env.CONES_UNET_MEMORY;
    if (mmap) env.MALLOC_MMAP_THRESHOLD_ = String(MMAP_THRESHOLD);
    else delete env.MALLOC_MMAP_THRESHOLD_;
    const args = [unet, ctx.scratch, String(ctx.opts.largeSteps), String(side), String(batch), ...(profile ? ['profile'] : [])];
    const r = await runTsChild<GuidedResult>(GUIDED_CHILD, args, { env });
    if (r.profile) {
      attributionFigures(r, r.profile, side, out);
      continue;
    }
    if (k === 0) {
      out.figures.push({
        section: SECTION, name: 'layout surgery of the 3.4 GB external-data UNet (patchUnetFile, cold cache)',
        value: `${formatMs(r.patchMs)}, peak RSS ${formatBytes(r.patchMaxRssKiB * 1024)}`, n: 1,
        note: `${r.layers} cross-attentions patched; only the graph proto is read and written, the weights stay in the export's files`,
      });
    }
    out.figures.push({
      section: SECTION, name: `patched session, batch ${batch}, ${label}: creation; RSS after creation`,
      value: `${formatMs(r.sessionMs)}; ${ratio(r.rssAfterSessionKiB)}`, n: 1,
    });
    out.figures.push({
      section: SECTION, name: `peak RSS of a layout-guided run at ${side * 8} px (batch ${batch}), ${label}`,
      value: ratio(r.maxRssKiB), n: null,
      note: `target <= 1.3x; includes the surgery and both call kinds; ${slicingNote(r, side, batch, heads)}`,
    });
    if (batch !== 2) continue;
    out.comparisons.push({
      section: SECTION, name: `SD-1.5-sized UNet call at ${side * 8} px, batch 2, ${label}: layout-guided vs unguided (one patched session)`,
      a: { label: 'guided: bias planes', ms: r.guided }, b: { label: 'unguided: zero bias', ms: r.unguided }, paired: true,
      target: { kind: 'max', value: 1.05 },
      note: `${r.guidedLayers} of ${r.layers} layers guided; building the planes in JavaScript: median ${formatMs(median(r.feedsMs))} per call`,
    });
    unguided.push({ label, ms: r.unguided });
    if (k === 0 && plain.batch === 2) {
      out.comparisons.push({
        section: SECTION, name: `SD-1.5-sized UNet call at ${side * 8} px, batch 2: the pipeline's patched session (zero bias) vs the export's graph`,
        a: { label: 'patched, unguided', ms: r.unguided }, b: { label: 'export', ms: plain.ms }, paired: false,
        note: `the price of the surgery's second pass: ${slicingNote(r, side, 2, heads)}; two child processes of this run`,
      });
    }
  }
  // What a memory setting costs every call: its unguided calls against the default's (separate child processes).
  for (const u of unguided.slice(1)) {
    out.comparisons.push({
      section: SECTION, name: `SD-1.5-sized UNet unguided call at ${side * 8} px, batch 2: ${u.label} vs the default`,
      a: { label: u.label, ms: u.ms }, b: { label: unguided[0].label, ms: unguided[0].ms }, paired: false,
      note: 'two child processes of this run, one after the other',
    });
  }
}

/**
 * What layout guidance adds to a call, from ORT's per-node profile of one child: the kernel time of the patched
 * cross-attentions (the surgery's bias nodes and the attentions' own, whose softmax reads the biased logits) in
 * guided calls over that in unguided ones (which run the same nodes on zero bias), plus building the bias planes in
 * JavaScript. The rest of a call (Conv, MatMul, ...) is the same work in both kinds of call; its time varies between
 * identical calls on a shared machine by more than the 5% the target allows, which is why the wall-clock ratios
 * above can land on either side of it.
 */
function attributionFigures(r: GuidedResult, p: NonNullable<GuidedResult['profile']>, side: number, out: SectionResult): void {
  const ms = (micros: number): number => micros / 1000;
  const feeds = r.feedsMs.slice(1); // the first plane building was the warm-up call's
  const extra = p.guided.map((g, i) => ms(g.matchedMicros - p.unguided[i].matchedMicros) + feeds[i]);
  out.comparisons.push({
    section: SECTION,
    name: `SD-1.5-sized UNet call at ${side * 8} px, batch 2, defaults: unguided call + the work layout guidance adds (ORT per-node profile) vs the unguided call`,
    a: { label: 'unguided + guidance\'s own work', ms: r.unguided.map((u, i) => u + extra[i]) },
    b: { label: 'unguided', ms: r.unguided }, paired: true,
    target: { kind: 'max', value: 1.05 },
    note: `added per call: the guided call's patched cross-attention kernels over the unguided call's (median ` +
      `${formatMs(median(p.guided.map((g) => ms(g.matchedMicros))))} vs ${formatMs(median(p.unguided.map((u) => ms(u.matchedMicros))))}, ` +
      `${p.guided[0]?.matchedKernels ?? 0} kernels) + building the planes (median ${formatMs(median(feeds))})`,
  });
  const rest = pairRatios(p.guided.map((g) => g.kernelMicros - g.matchedMicros), p.unguided.map((u) => u.kernelMicros - u.matchedMicros));
  out.figures.push({
    section: SECTION, name: `the same child: the rest of the kernel time (identical work), guided / unguided call`,
    value: `median ${median(rest).toFixed(3)} (p25..p75 ${quantile(rest, 0.25).toFixed(3)}..${quantile(rest, 0.75).toFixed(3)})`,
    n: rest.length, note: 'the machine\'s noise between identical work, not a cost of guidance',
  });
}

/**
 * Heads of the highest-resolution attentions from unet/config.json: diffusers' `attention_head_dim` holds the head
 * count for SD 1.x and 2.x (8; [5, 10, 20, 20]), a known misnomer of that config.
 */
function topLevelHeads(unetDir: string): number {
  const config = JSON.parse(readFileSync(join(unetDir, 'config.json'), 'utf8')) as { attention_head_dim?: number | number[] };
  const heads = Array.isArray(config.attention_head_dim) ? config.attention_head_dim[0] : config.attention_head_dim;
  if (!Number.isInteger(heads) || heads! <= 0) throw new Error(`Expected attention_head_dim in ${unetDir}/config.json but received ${JSON.stringify(config.attention_head_dim)}.`);
  return heads!;
}

/** What the largest live self-attention score tensor is, with the query slicing the child's patched model has. */
function slicingNote(r: GuidedResult, side: number, batch: number, heads: number): string {
  const s = side * side;
  const rows = r.sliced > 0 && r.querySlices > 1 ? Math.ceil(s / r.querySlices) : s;
  const bytes = batch * heads * rows * s * 4;
  const how = r.sliced > 0 ? `${r.sliced} self-attentions in ${r.querySlices} query slices` : 'self-attention whole (not sliced)';
  return `${how}: largest score tensor [${batch * heads}, ${rows}, ${s}] float32 (${formatBytes(bytes)})`;
}

/** "attention matmuls 5% of FLOPs at 256 px, 16% at 512 px" from the analytic counts, when the manifest has them. */
function attentionShares(manifest: Manifest, sides: number[]): string {
  const parts = sides.flatMap((side) => {
    const f = manifest.flops_per_call.find((c) => c.batch === 2 && c.latent === side);
    return f ? [`${((100 * f.attention) / f.total).toFixed(0)}% at ${side * 8} px`] : [];
  });
  if (!parts.length) return '';
  return `attention q k^T and p v matmuls (grow with the square of the pixel count) are ${parts.join(', ')} of the analytic FLOPs`;
}
