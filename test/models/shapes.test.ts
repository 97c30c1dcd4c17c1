/**
 * The committed embedded model is complete and loads: every other test that runs a model uses it, so a missing or
 * damaged file must fail here by name rather than as a confusing error elsewhere (and never as a skip).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSdModel } from '../../diffusion/model/load';
import { readResidual } from '../../diffusion/residuals/residual';
import { SHAPES_MODEL } from '../helpers/paths';

const FILES = [
  'model_index.json', 'scheduler/scheduler_config.json',
  'tokenizer/vocab.json', 'tokenizer/merges.txt', 'tokenizer/special_tokens_map.json', 'tokenizer/tokenizer_config.json',
  'text_encoder/config.json', 'text_encoder/model.onnx', 'unet/config.json', 'unet/model.onnx',
  'vae_decoder/config.json', 'vae_decoder/model.onnx', 'vae_encoder/config.json', 'vae_encoder/model.onnx',
];
const RESIDUALS = ['checkered_circle', 'striped_square', 'holed_star'];

test('models/shapes holds every file of the Stable Diffusion ONNX layout, none empty, under 30 MB in all', () => {
  const missing = FILES.filter((f) => !existsSync(join(SHAPES_MODEL, f)) || statSync(join(SHAPES_MODEL, f)).size === 0);
  assert.deepEqual(missing, [], `models/shapes is incomplete: rebuild it with training/build_all.sh or restore it from git`);
  const total = FILES.reduce((sum, f) => sum + statSync(join(SHAPES_MODEL, f)).size, 0);
  assert.ok(total < 30 * 2 ** 20, `${(total / 2 ** 20).toFixed(1)} MB`);
});

test('models/shapes loads: three sessions, its tokenizer, the facts the pipeline reads, and its three residuals', async () => {
  const model = await loadSdModel(SHAPES_MODEL);
  assert.deepEqual([model.textWidth, model.latentChannels, model.vaeFactor, model.defaultSize], [128, 4, 4, 64]);
  assert.equal(model.predictionType, 'epsilon');
  assert.deepEqual(model.tokenizer.tokenize('a red circle', { mode: 'adaptive' }).ids.length, 5, 'BOS a red circle EOS');
  const files = readdirSync(join(SHAPES_MODEL, 'residuals')).filter((f) => f.endsWith('.safetensors')).sort();
  assert.deepEqual(files, RESIDUALS.map((r) => `${r}.safetensors`).sort());
  for (const f of files) assert.equal(readResidual(join(SHAPES_MODEL, 'residuals', f)).width, model.textWidth, f);
});
