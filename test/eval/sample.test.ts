/** Evaluation conditioning on the embedded model (or CONES_EVAL_MODEL). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSdModel } from '../../diffusion/model/load';
import { conditioningFor, sampleImage } from '../../eval/sample';
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

test('an inpainting sample keeps the scene outside the added box and draws the added subject inside it', async (t) => {
  const model = await loadSdModel(MODEL);
  const subjects = [{ phrase: 'red circle', box: [0.05, 0.25, 0.45, 0.75] as const }, { phrase: 'blue square', box: [0.55, 0.25, 0.95, 0.75] as const }];
  const layout = {
    subjects, weight: 0.2, guidanceSteps: 12, resolutions: 'all' as const, selfRecurrence: false,
    eta: { kind: 'log1p_sigma_sq' as const }, parts: 'both' as const,
  };
  const base = { prompt: 'a red circle and a blue square', tokens: 'fixed' as const, residuals: [], guidance: { kind: 'cfg' as const, scale: 5 }, steps: 12, seed: 4 };
  const scene = await sampleImage(model, { ...base, prompt: 'a red circle', layout: { ...layout, subjects: subjects.slice(0, 1) } });
  const painted = await sampleImage(model, { ...base, layout, inpaint: { subjects: [...subjects], sceneLayout: layout } });
  const size = model.defaultSize;
  const meanDiff = (x0: number, x1: number) => {
    let s = 0, n = 0;
    for (let y = 0; y < size; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) {
      s += Math.abs(scene.data[(y * size + x) * 3 + c] - painted.data[(y * size + x) * 3 + c]);
      n++;
    }
    return s / n;
  };
  const outside = meanDiff(0, Math.floor(0.45 * size)), inside = meanDiff(Math.ceil(0.6 * size), Math.floor(0.9 * size));
  // The kept latents are exact (test/diffusion/pipeline/inpaint.test.ts), but the decoder's image-wide normalisation
  // moves the kept half with whatever is painted beside it (at this seed the kept red circle turns partly green:
  // 31.9 of 255 without the paste-back on the sixteenth build), so the sample pastes the scene's pixels back outside the box, feathered 2 px,
  // as the example graph does. The box starts at x = 35, the paste-back's ramp 4 px before it: x < 28 is exact.
  t.diagnostic(`mean |diff| outside the box ${outside.toFixed(1)}, inside ${inside.toFixed(1)} of 255`);
  assert.equal(outside, 0, `scene kept outside the box: mean |diff| ${outside} of 255`);
  assert.ok(inside > 30, `the box repainted: mean |diff| ${inside} of 255 (outside ${outside})`);
});
