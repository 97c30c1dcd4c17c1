/**
 * The paper's ablation through generate(): parts 'both' is the default path; 'positive' (strengthen only) and
 * 'negative' (weaken only) each change the result, and weaken only still acts when gw = 0. Embedded model, 3 steps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REFERENCE_ETA } from '../../../diffusion/layout';
import { loadSdModel } from '../../../diffusion/model/load';
import { generate, type GenerateOptions, type LayoutGuidance } from '../../../diffusion/pipeline/generate';
import { conditioningFor } from '../../../eval/sample';
import { SHAPES_MODEL } from '../../helpers/paths';

const MODEL = SHAPES_MODEL;

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

test('layout parts: both = default, strengthen only and weaken only differ from it and from each other', async () => {
  const model = await loadSdModel(MODEL);
  const conditioning = await conditioningFor(model, 'a red circle and a blue square', 'fixed', []);
  const layout: LayoutGuidance = {
    layout: {
      subjects: [{ phrase: 'red circle', box: [0, 0, 0.5, 1] }, { phrase: 'blue square', box: [0.5, 0, 1, 1] }],
      source: 'test',
    },
    weight: 0.2, guidanceSteps: 2, eta: REFERENCE_ETA, resolutions: 'all', selfRecurrence: false,
  };
  const o: GenerateOptions = {
    model, conditioning, guidance: { kind: 'cfg', scale: 5 }, sampler: 'euler', steps: 3, seed: 11,
    width: model.defaultSize, height: model.defaultSize,
  };
  const plain = await generate(o);
  const byDefault = await generate({ ...o, layout });
  const both = await generate({ ...o, layout: { ...layout, parts: 'both' } });
  assert.deepEqual([...both.latent.data], [...byDefault.latent.data]);
  const positive = await generate({ ...o, layout: { ...layout, parts: 'positive' } });
  const negative = await generate({ ...o, layout: { ...layout, parts: 'negative' } });
  for (const [name, r] of [['positive', positive], ['negative', negative]] as const) {
    assert.ok(maxDiff(r.latent.data, both.latent.data) > 1e-4, `${name} differs from both`);
    assert.ok(maxDiff(r.latent.data, plain.latent.data) > 1e-4, `${name} differs from no layout`);
  }
  assert.ok(maxDiff(positive.latent.data, negative.latent.data) > 1e-4);
  const negativeNoWeight = await generate({ ...o, layout: { ...layout, weight: 0, parts: 'negative' } });
  assert.deepEqual([...negativeNoWeight.latent.data], [...negative.latent.data], 'weaken only has no positive term, so gw does not matter');
  const off = await generate({ ...o, layout: { ...layout, weight: 0 } });
  assert.deepEqual([...off.latent.data], [...plain.latent.data], 'gw = 0 with both parts switches guidance off');
});
