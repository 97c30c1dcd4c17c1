/** Evaluation conditioning on the embedded model (or CONES_EVAL_MODEL). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSdModel } from '../../diffusion/model/load';
import { conditioningFor } from '../../eval/sample';
import { SHAPES_MODEL } from '../helpers/paths';

const MODEL = process.env.CONES_EVAL_MODEL ?? SHAPES_MODEL;

test('evaluation conditioning: a residual lands on the first token of each occurrence of its phrase, conditional branch only', async () => {
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
