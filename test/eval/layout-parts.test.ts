/**
 * The strengthen-only variant (eval/layout-parts.ts) runs generate()'s loop itself, so it must stay identical to
 * generate() when nothing is dropped. Runs on the embedded model (or CONES_EVAL_MODEL), 3 steps, one image.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { REFERENCE_ETA } from '../../diffusion/layout';
import { loadSdModel } from '../../diffusion/model/load';
import { generate, type GenerateOptions } from '../../diffusion/pipeline/generate';
import { generateWithParts } from '../../eval/layout-parts';
import { conditioningFor } from '../../eval/sample';

const MODEL = process.env.CONES_EVAL_MODEL ?? resolve(import.meta.dirname, '..', '..', 'models', 'shapes');
const skip = existsSync(join(MODEL, 'unet', 'model.onnx')) ? false : 'models/shapes is not built yet';

test('parts "both" reproduces generate() exactly; "positive" (no hard negative) changes the result', { skip }, async () => {
  const model = await loadSdModel(MODEL);
  const conditioning = await conditioningFor(model, 'a red circle and a blue square', 'fixed', []);
  const layout = { layout: { subjects: [{ phrase: 'red circle', box: [0, 0, 0.5, 1] as const }, { phrase: 'blue square', box: [0.5, 0, 1, 1] as const }], source: 'test' }, weight: 0.2, guidanceSteps: 2, eta: REFERENCE_ETA, resolutions: 'all' as const, selfRecurrence: true };
  const o: GenerateOptions & { layout: typeof layout } = { model, conditioning, guidance: { kind: 'cfg', scale: 5 }, sampler: 'euler', steps: 3, seed: 11, width: model.defaultSize, height: model.defaultSize, layout };
  const reference = await generate(o);
  const both = await generateWithParts(o, 'both');
  assert.deepEqual([...both.latent.data], [...reference.latent.data]);
  assert.equal(both.guidedLayers, reference.guidedLayers);
  const positive = await generateWithParts(o, 'positive');
  const diff = positive.latent.data.reduce((m, v, i) => Math.max(m, Math.abs(v - reference.latent.data[i])), 0);
  assert.ok(diff > 1e-4, `dropping the mask must change the latent (max diff ${diff})`);
});

test('evaluation conditioning: a residual lands on the first token of each occurrence of its phrase, conditional branch only', { skip }, async () => {
  const model = await loadSdModel(MODEL);
  const vector = Float32Array.from({ length: model.textWidth }, (_, i) => (i % 7) - 3);
  const plain = await conditioningFor(model, 'a circle and a blue square', 'adaptive', []);
  const withResidual = await conditioningFor(model, 'a circle and a blue square', 'adaptive', [{ phrase: 'circle', vector }]);
  const D = model.textWidth;
  const [position] = withResidual.residuals[0].positions;
  assert.equal(position, 2, 'BOS, "a", "circle"');
  assert.deepEqual([...withResidual.uncond.data], [...plain.uncond.data]);
  for (let p = 0; p < plain.tokens.length; p++) {
    for (let d = 0; d < D; d++) {
      const delta = withResidual.cond.data[p * D + d] - plain.cond.data[p * D + d];
      assert.ok(Math.abs(delta - (p === position ? vector[d] : 0)) < 1e-5, `token ${p}, dim ${d}: ${delta}`);
    }
  }
});
