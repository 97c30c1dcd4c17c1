import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { rgbToTensor } from '../../../diffusion/image/decode';
import { tensorToRgb } from '../../../diffusion/image/encode';
import { loadSdModel, type SdModel } from '../../../diffusion/model/load';
import { encodeChunks } from '../../../diffusion/model/text-encoder';
import { decodeLatents, encodeImage } from '../../../diffusion/model/vae';
import { ModelError } from '../../../diffusion/errors';
import { generate, type GenerateOptions } from '../../../diffusion/pipeline/generate';
import type { F32Tensor } from '../../../diffusion/tensor';
import { SHAPES_MODEL } from '../../helpers/paths';

let model: SdModel;
let base: Omit<GenerateOptions, 'conditioning'> & { conditioning: GenerateOptions['conditioning'] };
let scene: F32Tensor; // a generated two-subject scene, decoded, [1, 3, 64, 64] in [-1, 1]

async function conditioningFor(prompt: string) {
  // fixed-77: on the embedded model adaptive tokens cut at EOS draw a crowd of objects, not the two-subject scene
  const tokens = model.tokenizer.tokenize(prompt, { mode: 'fixed' });
  return {
    modelId: model.id, tokens, cond: await encodeChunks(model, tokens.chunks),
    uncond: await encodeChunks(model, model.tokenizer.unconditional(tokens).chunks), negativePrompt: '', residuals: [],
  };
}

const meanAbs = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

before(async () => {
  model = await loadSdModel(SHAPES_MODEL);
  base = {
    model, conditioning: await conditioningFor('a green triangle'), guidance: { kind: 'cfg', scale: 5 }, sampler: 'euler',
    steps: 10, seed: 7, width: 64, height: 64,
  };
  const { latent } = await generate({ ...base, conditioning: await conditioningFor('a red circle and a blue square'), seed: 42 });
  scene = rgbToTensor(tensorToRgb(await decodeLatents(model, latent)));
});

test('denoise 0 returns the VAE round trip of the input; denoise 1 is text-to-image from the same seed', async (t) => {
  const latent = await encodeImage(model, scene);
  assert.deepEqual(latent.dims, [1, 4, 16, 16]);
  const zero = await generate({ ...base, init: { latent, denoise: 0 } });
  assert.deepEqual(zero.latent.data, latent.data);
  assert.equal(zero.sigmas.length, 1, 'no step ran');
  const roundTrip = (await decodeLatents(model, zero.latent)).data;
  const d0 = meanAbs(roundTrip, scene.data);
  t.diagnostic(`VAE round trip mean |diff| ${d0.toFixed(4)} on [-1, 1]`);
  assert.ok(d0 < 0.05, `the VAE round trip keeps the image: mean |diff| ${d0}`);

  const full = await generate({ ...base, init: { latent, denoise: 1 } });
  const txt2img = await generate(base);
  assert.deepEqual(full.latent.data, txt2img.latent.data);
});

test('denoise 0.5 runs the last half of the schedule from the noised image and stays nearer to it', async (t) => {
  const latent = await encodeImage(model, scene);
  const half = await generate({ ...base, init: { latent, denoise: 0.5 } });
  assert.equal(half.sigmas.length, 6, 'floor(0.5 x 10) = 5 steps, 6 sigmas');
  const txt2img = await generate(base);
  const img = (await decodeLatents(model, half.latent)).data;
  const fresh = (await decodeLatents(model, txt2img.latent)).data;
  const toScene = meanAbs(img, scene.data), freshToScene = meanAbs(fresh, scene.data);
  t.diagnostic(`mean |diff| to the input: img2img 0.5 ${toScene.toFixed(4)}, text-to-image ${freshToScene.toFixed(4)}`);
  assert.ok(toScene < freshToScene, `img2img ${toScene} vs text-to-image ${freshToScene} from the scene`);
  assert.ok(meanAbs(img, scene.data) > 0.005, 'and it changed the image');
});

test('denoise outside [0, 1] and a latent of another size are coded errors', async () => {
  const latent = await encodeImage(model, scene);
  await assert.rejects(generate({ ...base, init: { latent, denoise: 1.5 } }), (e: ModelError) => e.code === 'E_DENOISE_RANGE');
  await assert.rejects(generate({ ...base, width: 32, height: 32, init: { latent, denoise: 0.5 } }), (e: ModelError) => e.code === 'E_INIT_LATENT_SHAPE');
  await assert.rejects(encodeImage(model, rgbToTensor({ width: 30, height: 30, data: new Uint8Array(30 * 30 * 3) })), (e: ModelError) => e.code === 'E_IMAGE_SIZE');
});
