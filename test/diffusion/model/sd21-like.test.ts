import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSdModel } from '../../../diffusion/model/load';
import { encodeChunks } from '../../../diffusion/model/text-encoder';
import { layoutUnet, runUnet, unetFeeds } from '../../../diffusion/model/unet';
import { createSession } from '../../../diffusion/onnx/session';
import { gaussian } from '../../../diffusion/noise';
import { generate } from '../../../diffusion/pipeline/generate';
import { f32 } from '../../../diffusion/tensor';
import { SHAPES_MODEL } from '../../helpers/paths';
import { makeSd21LikeFolder } from './helpers/sd21-like';

const SOURCE = process.env.CONES_PARITY_MODEL ?? SHAPES_MODEL;

/** Every file and folder below `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .map((path) => `${path}:${statSync(path).size}:${statSync(path).mtimeMs}`)
    .sort();
}

function chmodTree(dir: string, mode: number): void {
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) chmodSync(join(e.parentPath ?? e.path, e.name), mode);
  }
  chmodSync(dir, mode);
}

test('a folder shaped like an SD 2.1 export (int32 ids, int64 timestep, external weights, "!" padding) loads and runs', async (t) => {
  const original = await loadSdModel(SOURCE);
  const dir = makeSd21LikeFolder(SOURCE);
  t.after(() => {
    chmodTree(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });
  // A shared model folder is often read-only: nothing below may write into it (root ignores the mode, so the
  // listing and the times are compared at the end as well).
  chmodTree(dir, 0o555);
  const before = snapshot(dir);
  const model = await loadSdModel(dir);
  assert.equal(model.inputs.textEncoder.get('input_ids')!.dtype, 'int32');
  assert.equal(model.inputs.unet.get('timestep')!.dtype, 'int64');
  assert.equal(model.vaeFactor, original.vaeFactor, 'factor from block_out_channels');
  assert.ok(readFileSync(join(dir, 'unet/model.onnx')).length < 1_000_000, 'weights are external (12 MB moved out)');

  const tokens = model.tokenizer.tokenize('a red circle', { mode: 'fixed' });
  assert.equal(tokens.ids.at(-1), 0, 'SD 2 pads with "!" = id 0');
  const ids = [original.tokenizer.tokenize('a red circle', { mode: 'adaptive' }).ids];
  const a = await encodeChunks(original, ids);
  const b = await encodeChunks(model, ids);
  assert.deepEqual(b.data, a.data, 'int32 ids give the same embedding');

  // Same integer timestep through both models' one (patched) UNet session, with zero bias, and through the export's
  // own graph opened beside it: the patched file lives in the cache and reads the weights in place.
  const sample = gaussian(1, [2, 4, 16, 16]);
  const context = f32([2, a.dims[1], a.dims[2]], new Float32Array([...a.data, ...a.data]));
  const call = { sample, timestep: 500, context };
  const ref = await runUnet(original, call);
  const patched = layoutUnet(model);
  const off = { pos: patched.layers.map(() => f32([1, 1, 1, 1])), neg: patched.layers.map(() => f32([1, 1, 1, 1])) };
  const viaPatch = await runUnet(model, { ...call, layout: off });
  const zeroFed = await runUnet(model, call);
  const exportSession = (await createSession(join(dir, 'unet/model.onnx'))).session;
  const feeds = unetFeeds(model, call);
  const exported = await exportSession.run(Object.fromEntries(exportSession.inputNames.map((n) => [n, feeds[n]])));
  const plain = f32(ref.dims, exported.out_sample.data as Float32Array);
  assert.equal(model.unet.modelPath, patched.patchedPath, 'the model opened its UNet once: the patched graph');
  for (const out of [plain, viaPatch, zeroFed]) {
    let d = 0;
    for (let i = 0; i < ref.data.length; i++) d = Math.max(d, Math.abs(ref.data[i] - out.data[i]));
    assert.ok(d < 1e-4, `max |diff| ${d}`);
  }
  assert.ok(!patched.patchedPath.startsWith(dir), 'the patched UNet lives in the cache folder');

  const enc = {
    modelId: model.id, tokens, cond: await encodeChunks(model, tokens.chunks),
    uncond: await encodeChunks(model, model.tokenizer.unconditional(tokens).chunks), negativePrompt: '', residuals: [],
  };
  const result = await generate({
    model, conditioning: enc, guidance: { kind: 'cfg', scale: 4 }, sampler: 'dpmpp_2m', steps: 4, seed: 3, width: 64, height: 64,
    layout: {
      layout: { subjects: [{ phrase: 'circle', box: [0, 0, 0.5, 0.5] }], source: 'test' },
      weight: 0.2, guidanceSteps: 4, eta: { kind: 'log1p_sigma_sq' }, resolutions: 'all', selfRecurrence: true,
    },
  });
  assert.ok(result.latent.data.every(Number.isFinite));
  assert.ok(result.guidedLayers > 0);
  assert.deepEqual(snapshot(dir), before, 'the model folder was not written to');
});
