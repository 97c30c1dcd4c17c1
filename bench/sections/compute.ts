/**
 * The machine's matrix-multiply throughput (onnxruntime MatMul, n = 2048) and what the shapes UNet achieves against
 * it: FLOPs per call counted from the ORT profile (bench/flops.ts), divided by the median call time.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { runUnet, unetFeeds } from '../../diffusion/model/unet';
import { InferenceSession, Tensor } from '../../diffusion/onnx/ort';
import { cpuThreadOptions } from '../../diffusion/onnx/session';
import type { BenchContext } from '../context';
import { matmulPeakFlops, writeMatmulModel } from '../onnx/matmul-model';
import { profileRuns } from '../onnx/profile';
import { formatMs, formatSi } from '../report/format';
import { emptySection, type SectionResult } from '../report/types';
import { summarize } from '../stats';
import { interleaved, repeated } from '../timing';
import { randomUnetCall } from '../unet-call';

const SECTION = 'compute';

function threadsLabel(cores: number): string {
  const t = cpuThreadOptions().intraOpNumThreads;
  return t === undefined ? 'ORT default threads (CONES_CPU_THREADS=0)' : `intraOpNumThreads ${t} of ${cores} cores`;
}
export const MATMUL_N = 2048;

export async function computeSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const path = join(ctx.scratch, `matmul-${MATMUL_N}.onnx`);
  writeMatmulModel(path, MATMUL_N);
  const values = Float32Array.from({ length: MATMUL_N ** 2 }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const a = new Tensor('float32', values, [MATMUL_N, MATMUL_N]);
  const repeats = Math.max(5, ctx.opts.repeats);
  const flops = matmulPeakFlops(MATMUL_N);
  const cores = availableParallelism();
  // onnxruntime's default intra-op thread count and one thread per core (what the pipeline's sessions get).
  for (const threads of [undefined, cores]) {
    const session = await InferenceSession.create(path, {
      executionProviders: ['cpu'], ...(threads ? { intraOpNumThreads: threads } : {}),
    });
    ctx.log(`compute: MatMul ${MATMUL_N}^3, ${threads ?? 'default'} threads, x ${repeats}`);
    const ms = summarize(await repeated(() => session.run({ a, b: a }), repeats, 2));
    await session.release();
    // The best run estimates what the hardware can do; the median is what it did while shared.
    const best = flops / (ms.min / 1000);
    ctx.matmulPeak = Math.max(ctx.matmulPeak ?? 0, best);
    out.figures.push({
      section: SECTION,
      name: `MatMul ${MATMUL_N}x${MATMUL_N}x${MATMUL_N}, onnxruntime CPU, intraOpNumThreads ${threads ?? 'default (unset)'}: best run`,
      value: `${formatSi(best)}FLOP/s (${formatMs(ms.min)})`, n: ms.n,
      note: `median run ${formatSi(flops / (ms.median / 1000))}FLOP/s (${formatMs(ms.median)})` +
        (threads ? '; the "MatMul peak" below is the best of these rows' : ''),
    });
  }

  const model = await ctx.model();
  const call = randomUnetCall(model, 77);
  const [count] = await profileRuns(model.unet.modelPath, [unetFeeds(model, call)], ctx.scratch);
  const side = call.sample.dims[2];
  ctx.log(`compute: shapes UNet call x ${ctx.opts.repeats}`);
  const unetMs = summarize(await repeated(() => runUnet(model, call), ctx.opts.repeats, 2));
  ctx.shapesUnet = { flops: count.total, ms: unetMs.median };
  const rate = count.total / (unetMs.median / 1000);
  out.figures.push({
    section: SECTION, name: `shapes UNet call, batch 2 (CFG), latent ${side}x${side}, L = 77: FLOPs`,
    value: `${formatSi(count.total)}FLOP`, n: null,
    note: `Conv/MatMul/Gemm kernels of the ORT profile: ${(100 * count.countedMicros / count.allMicros).toFixed(0)}% ` +
      `of the kernel time of ${count.kernels} kernel launches`,
  });
  out.figures.push({
    section: SECTION, name: 'shapes UNet call (the pipeline\'s session): achieved rate',
    value: `${formatSi(rate)}FLOP/s = ${(100 * rate / ctx.matmulPeak!).toFixed(0)}% of the MatMul peak ` +
      `(median call ${formatMs(unetMs.median)})`,
    n: unetMs.n,
  });
  const ortDefault = await InferenceSession.create(model.unet.modelPath, { executionProviders: ['cpu'] });
  const feeds = unetFeeds(model, call);
  ctx.log(`compute: shapes UNet call, pipeline session vs ORT default threads, x ${ctx.opts.repeats * 4}`);
  const t = await interleaved(() => runUnet(model, call), () => ortDefault.run(feeds), { repeats: ctx.opts.repeats * 4, warmup: 3 });
  await ortDefault.release();
  out.comparisons.push({
    section: SECTION, name: 'shapes UNet call, batch 2: the pipeline\'s session vs the same model with ORT\'s default thread count',
    a: { label: `createSession (${threadsLabel(cores)})`, ms: t.a }, b: { label: 'intraOpNumThreads unset', ms: t.b }, paired: true,
    note: 'diffusion/onnx/session.ts cpuThreadOptions: one thread per core unless CONES_CPU_THREADS is set',
  });
  return out;
}
