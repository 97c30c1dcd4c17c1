/**
 * generate() with batch N: image k equals the batch-1 run with seed + k, with the batched UNet call
 * [uncond x N, cond x N] (layout bias on every conditional row) and with the per-image fallback a fixed batch axis
 * forces. Embedded model, a few steps; euler_ancestral + self-recurrence draw per-image step noise.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { REFERENCE_ETA } from '../../../diffusion/layout';
import { loadSdModel, type SdModel } from '../../../diffusion/model/load';
import { encodeImage, decodeLatents } from '../../../diffusion/model/vae';
import { batchSeeds, sliceRows } from '../../../diffusion/pipeline/batch';
import { generate, type GenerateOptions, type LayoutGuidance } from '../../../diffusion/pipeline/generate';
import { conditioningFor } from '../../../eval/sample';
import { SHAPES_MODEL } from '../../helpers/paths';

/** Largest |difference| between image k of a batch and its batch-1 run, measured on this machine (0: bit for bit). */
const TOLERANCE = 0;

let model: SdModel;
let base: GenerateOptions;
const layout: LayoutGuidance = {
  layout: { subjects: [{ phrase: 'red circle', box: [0, 0, 0.5, 1] }, { phrase: 'blue square', box: [0.5, 0, 1, 1] }], source: 'test' },
  weight: 0.2, guidanceSteps: 2, eta: REFERENCE_ETA, resolutions: 'all', selfRecurrence: true,
};

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

before(async () => {
  model = await loadSdModel(SHAPES_MODEL);
  base = {
    model, conditioning: await conditioningFor(model, 'a red circle and a blue square', 'fixed', []),
    guidance: { kind: 'cfg', scale: 5 }, sampler: 'euler_ancestral', steps: 4, seed: 20,
    width: model.defaultSize, height: model.defaultSize, layout,
  };
});

async function checkAgainstSingles(t: { diagnostic: (s: string) => void }, opts: GenerateOptions, label: string): Promise<void> {
  const n = opts.batch!;
  const batch = await generate(opts);
  assert.equal(batch.latent.dims[0], n);
  assert.deepEqual(batch.seeds, batchSeeds(opts.seed, n));
  let worst = 0;
  for (let k = 0; k < n; k++) {
    const single = await generate({ ...opts, batch: 1, seed: (opts.seed as number) + k });
    worst = Math.max(worst, maxDiff(sliceRows(batch.latent, k).data, single.latent.data));
  }
  t.diagnostic(`${label}: max |image k of the batch - batch-1 run with seed + k| = ${worst} (${batch.unetCalls} UNet calls)`);
  assert.ok(worst <= TOLERANCE, `${label}: ${worst} > ${TOLERANCE}`);
  for (let k = 1; k < n; k++) assert.ok(maxDiff(sliceRows(batch.latent, k).data, sliceRows(batch.latent, 0).data) > 0.1, 'distinct images');
}

test('batch 3 with layout, ancestral noise and self-recurrence: image k is the batch-1 run with seed + k (one call per step)', async (t) => {
  await checkAgainstSingles(t, { ...base, batch: 3 }, 'batched');
});

test('a UNet with a fixed batch axis falls back to one call per image, with the same images', async (t) => {
  const unet = new Map(model.inputs.unet);
  const sample = unet.get('sample')!;
  unet.set('sample', { ...sample, shape: [2, ...sample.shape.slice(1)] }); // as an export with a static batch of 2
  const fixed = { ...model, inputs: { ...model.inputs, unet } } as SdModel;
  const result = await generate({ ...base, model: fixed, batch: 2, steps: 2 });
  assert.equal(result.unetCalls, 'per-image');
  await checkAgainstSingles(t, { ...base, model: fixed, batch: 2, steps: 2 }, 'per-image');
});

test('DPM++ 2M without layout; the unconditional-free path (CFG scale 1)', async (t) => {
  await checkAgainstSingles(t, { ...base, layout: undefined, sampler: 'dpmpp_2m', batch: 2, steps: 3 }, 'dpmpp_2m');
  await checkAgainstSingles(t, { ...base, layout: undefined, sampler: 'euler', batch: 2, steps: 3, guidance: { kind: 'cfg', scale: 1 } }, 'euler cfg 1');
});

test('inpainting a batch from one picture keeps the picture outside the mask in every image', async (t) => {
  const picture = await decodeLatents(model, (await generate({ ...base, layout: undefined, batch: 1, seed: 3 })).latent);
  const latent = await encodeImage(model, picture);
  const mask = new Float32Array(16 * 16).map((_, p) => (p % 16 < 8 ? 1 : 0));
  await checkAgainstSingles(t, { ...base, batch: 2, steps: 3, init: { latent, denoise: 0.7, mask } }, 'inpaint');
});

test('a starting latent with another batch size is refused with a hint', async () => {
  const two = await generate({ ...base, layout: undefined, batch: 2, steps: 1 });
  await assert.rejects(generate({ ...base, batch: 3, init: { latent: two.latent, denoise: 0.5 } }), (err: Error & { code?: string; hint?: string }) =>
    err.code === 'E_INIT_LATENT_SHAPE' && /batch to 2/.test(err.hint ?? ''));
  const zero = await generate({ ...base, batch: 2, init: { latent: sliceRows(two.latent, 1), denoise: 0 } });
  assert.deepEqual(zero.latent.dims, [2, 4, 16, 16], 'denoise 0 repeats a batch-1 latent for every image');
});

test('per-image noise streams and layout feeds on every conditional row', async () => {
  const { batchNoiseStream, batchGaussian } = await import('../../../diffusion/pipeline/batch');
  const { noiseStream, gaussian } = await import('../../../diffusion/noise');
  const { layoutFeeds, planLayoutBias } = await import('../../../diffusion/pipeline/layout-plan');
  const stream = batchNoiseStream([noiseStream(4), noiseStream(5)]);
  const single = noiseStream(5);
  stream.next([2, 3]);
  single.next([1, 3]);
  assert.deepEqual([...sliceRows(stream.next([2, 5]), 1).data], [...single.next([1, 5]).data], 'row 1 draws exactly seed 5\'s stream');
  assert.deepEqual([...sliceRows(batchGaussian([8, 9], [1, 4]), 1).data], [...gaussian(9, [1, 4]).data]);
  const tokens = base.conditioning.tokens;
  const plan = planLayoutBias(layout.layout, tokens, { height: 64, width: 64 }, { height: 16, width: 16 }, [256], 'all');
  const { pos, neg } = layoutFeeds(plan, 1, { gwEta: 0.5, active: true, parts: 'both' }, 4, [2, 3]); // [uncond x 2, cond x 2]
  const plane = 256 * tokens.length;
  for (const t of [pos[0], neg[0]]) {
    assert.deepEqual(t.dims, [4, 1, 256, tokens.length]);
    assert.ok(t.data.subarray(0, 2 * plane).every((v) => v === 0), 'unconditional rows untouched');
    assert.deepEqual([...t.data.subarray(2 * plane, 3 * plane)], [...t.data.subarray(3 * plane)], 'both conditional rows biased alike');
    assert.ok(t.data.subarray(2 * plane).some((v) => v !== 0));
  }
});
