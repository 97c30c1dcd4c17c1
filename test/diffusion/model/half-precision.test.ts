import assert from 'node:assert/strict';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadSdModel, type SdModel } from '../../../diffusion/model/load';
import { encodeChunks } from '../../../diffusion/model/text-encoder';
import { decodeLatents } from '../../../diffusion/model/vae';
import { DataType } from '../../../diffusion/onnx/proto';
import { clearSessionCache } from '../../../diffusion/onnx/session-cache';
import { generate } from '../../../diffusion/pipeline/generate';
import { SHAPES_MODEL } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';
import { makeHalfFolder } from './helpers/half-folder';

// Patched UNets and float32 copies go to a private cache, so the test sees its own writes only.
before(() => { process.env.CONES_CACHE_DIR = scratchDir('half-cache'); });
after(() => clearSessionCache());

function chmodTree(dir: string, mode: number): void {
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) chmodSync(join(e.parentPath ?? e.path, e.name), mode);
  }
  chmodSync(dir, mode);
}

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort()
    .map((p) => `${p}:${statSync(join(dir, p)).size}:${statSync(join(dir, p)).mtimeMs}`);
}

/** The two-subject layout image (8 Euler steps, CFG 5) decoded to [-1, 1]. */
async function twoSubjects(model: SdModel): Promise<Float32Array> {
  const tokens = model.tokenizer.tokenize('a red circle and a blue square', { mode: 'adaptive' });
  const conditioning = {
    modelId: model.id, tokens, cond: await encodeChunks(model, tokens.chunks),
    uncond: await encodeChunks(model, model.tokenizer.unconditional(tokens).chunks), negativePrompt: '', residuals: [],
  };
  const { latent } = await generate({
    model, conditioning, guidance: { kind: 'cfg', scale: 5 }, sampler: 'euler', steps: 8, seed: 5, width: 64, height: 64,
    layout: {
      layout: { subjects: [{ phrase: 'red circle', box: [0, 0, 0.5, 1] }, { phrase: 'blue square', box: [0.5, 0, 1, 1] }], source: 'test' },
      weight: 0.2, guidanceSteps: 8, eta: { kind: 'log1p_sigma_sq' }, resolutions: 'all', selfRecurrence: false,
    },
  });
  return (await decodeLatents(model, latent)).data;
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

let reference: Float32Array;
before(async () => { reference = await twoSubjects(await loadSdModel(SHAPES_MODEL)); });

test('a float16 folder (external-data UNet, read-only) runs natively on CPU and draws the fp32 image', async (t) => {
  const dir = makeHalfFolder(SHAPES_MODEL, DataType.FLOAT16, { externalData: true });
  chmodTree(dir, 0o555);
  after(() => chmodTree(dir, 0o755));
  const before = listing(dir);
  const warnings: string[] = [];
  const model = await loadSdModel(dir, { onWarning: (m) => warnings.push(m) });
  for (const [part, name] of [['unet', 'sample'], ['unet', 'encoder_hidden_states'], ['vaeDecoder', 'latent_sample']] as const) {
    assert.equal(model.inputs[part].get(name)!.dtype, 'float16', `${part}.${name}`);
  }
  // onnxruntime 1.30's CPU provider runs these float16 graphs itself (it casts around ops without half kernels).
  assert.equal(model.unet.float32Copy, undefined);
  assert.deepEqual(warnings, []);
  assert.ok(model.unetLayout && model.unetLayout.layers.length > 0, 'the fp16 UNet was patched');
  const image = await twoSubjects(model);
  assert.ok(image.every(Number.isFinite));
  const d = meanAbsDiff(image, reference);
  t.diagnostic(`mean |fp16 - fp32| = ${d.toFixed(4)}`);
  assert.ok(d < 0.05, `mean |fp16 - fp32| = ${d} on a [-1, 1] image`);
  assert.deepEqual(listing(dir), before, 'nothing was written into the model folder');
});

test('a bfloat16 folder runs as a float32 copy made once in the cache, with a warning', async (t) => {
  const dir = makeHalfFolder(SHAPES_MODEL, DataType.BFLOAT16, { externalData: true });
  chmodTree(dir, 0o555);
  after(() => chmodTree(dir, 0o755));
  const before = listing(dir);
  const warnings: string[] = [];
  const model = await loadSdModel(dir, { onWarning: (m) => warnings.push(m) });
  assert.ok(model.unet.float32Copy?.startsWith(process.env.CONES_CACHE_DIR!), 'the UNet runs a float32 copy in the cache');
  assert.ok(model.textEncoder.float32Copy, 'the text encoder too (no bfloat16 Add kernel on CPU)');
  assert.ok(warnings.some((w) => /float32 copy/.test(w) && /text_encoder/.test(w)), warnings.join('\n'));
  assert.ok(model.unetLayout && model.unetLayout.layers.length > 0, 'the bf16 UNet was patched, then widened');
  const image = await twoSubjects(model);
  const d = meanAbsDiff(image, reference);
  t.diagnostic(`mean |bf16 - fp32| = ${d.toFixed(4)}`);
  assert.ok(d < 0.1, `mean |bf16 - fp32| = ${d} on a [-1, 1] image`);
  assert.deepEqual(listing(dir), before, 'nothing was written into the model folder');
});
