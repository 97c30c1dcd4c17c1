/**
 * Measurement child of the large-model section, run in a fresh process so its peak RSS is the SD-1.5 UNet's:
 *
 *   node --import tsx bench/child/large-unet.ts UNET_ONNX STEPS SCRATCH_DIR LATENT_SIDES   (e.g. 32,64)
 *
 * Opens the UNet once with profiling on, runs one profiled warm-up call per case (the profile gives the FLOPs),
 * ends profiling, then times STEPS calls per case (interleaved). Cases: CFG batch 2, context 77 x 768, one per
 * latent side (32 = 256 px, 64 = 512 px). Prints one JSON line: { sessionMs, maxRssKiB, cases: [{ batch, side, ms, flops, ... }] }.
 */
import { InferenceSession, Tensor } from '../../diffusion/onnx/ort';
import { gaussian } from '../../diffusion/noise';
import { matmulPeakFlops, writeMatmulModel } from '../onnx/matmul-model';
import { flopsPerRun, profileFile, readProfile } from '../onnx/profile';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const [modelPath, stepsText, scratch, sidesText] = process.argv.slice(2);
const CONTEXT = { length: 77, width: 768 };
const CASES = sidesText.split(',').map((s) => ({ batch: 2, side: Number(s) }));

function feeds(batch: number, side: number): Record<string, Tensor> {
  const sample = gaussian(1, [batch, 4, side, side]); // [B, 4, h, w]
  const context = gaussian(2, [batch, CONTEXT.length, CONTEXT.width]); // [B, 77, 768]
  return {
    sample: new Tensor('float32', sample.data, sample.dims),
    timestep: new Tensor('float32', new Float32Array(batch).fill(500), [batch]),
    encoder_hidden_states: new Tensor('float32', context.data, context.dims),
  };
}

const prefix = `ort-profile-large-${process.pid}`;
const t0 = performance.now();
// One intra-op thread per core: onnxruntime's default gives one thread on these VMs (see the compute section).
const session = await InferenceSession.create(modelPath, {
  executionProviders: ['cpu'], intraOpNumThreads: availableParallelism(), enableProfiling: true, profileFilePrefix: join(scratch, prefix),
});
const sessionMs = performance.now() - t0;
const inputs = CASES.map((c) => feeds(c.batch, c.side));
const finite: boolean[] = [];
for (const f of inputs) {
  const out = await session.run(f);
  finite.push((out[session.outputNames[0]].data as Float32Array).every(Number.isFinite));
}
session.endProfiling();
const counts = flopsPerRun(readProfile(profileFile(scratch, prefix)));
const times: number[][] = CASES.map(() => []);
for (let i = 0; i < Number(stepsText); i++) {
  for (let k = 0; k < CASES.length; k++) {
    const s = performance.now();
    await session.run(inputs[k]);
    times[k].push(performance.now() - s);
  }
}
// The MatMul peak again, in this process right after the UNet calls, so "% of peak" compares like with like
// (the compute section's reading is taken minutes earlier, when the shared machine may have been busier).
const mmPath = join(scratch, 'matmul-large.onnx');
writeMatmulModel(mmPath, 2048);
const mm = await InferenceSession.create(mmPath, { executionProviders: ['cpu'], intraOpNumThreads: availableParallelism() });
const a = new Tensor('float32', Float32Array.from({ length: 2048 ** 2 }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), [2048, 2048]);
const mmTimes: number[] = [];
for (let i = 0; i < 12; i++) {
  const s = performance.now();
  await mm.run({ a, b: a });
  if (i >= 2) mmTimes.push(performance.now() - s);
}
const matmulPeak = matmulPeakFlops(2048) / (Math.min(...mmTimes) / 1000);
const cases = CASES.map((c, k) => ({
  ...c, ms: times[k], finite: finite[k], flops: counts[k]?.total ?? null, byOp: counts[k]?.byOp ?? null,
  countedShare: counts[k] ? counts[k].countedMicros / counts[k].allMicros : null, uncounted: counts[k]?.uncounted.length ?? null,
}));
process.stdout.write(`${JSON.stringify({ sessionMs, maxRssKiB: process.resourceUsage().maxRSS, matmulPeak, cases })}\n`);
