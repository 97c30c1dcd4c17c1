/**
 * Every sampler the GuidedSampler offers runs on the embedded model (whose scheduler uses linspace spacing with
 * set_alpha_to_one false: DDIM's last timestep is 0, which once made a plan repeat its last sigma and fail with
 * E_SAMPLER_SIGMA), with layout guidance, and gives a finite latent that differs between samplers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REFERENCE_ETA } from '../../../diffusion/layout';
import { loadSdModel } from '../../../diffusion/model/load';
import { generate } from '../../../diffusion/pipeline/generate';
import { SAMPLER_NAMES } from '../../../diffusion/samplers';
import { conditioningFor } from '../../../eval/sample';
import { SHAPES_MODEL } from '../../helpers/paths';

test('every sampler runs the embedded model end to end at 4 and 10 steps', async () => {
  const model = await loadSdModel(SHAPES_MODEL);
  const conditioning = await conditioningFor(model, 'a red circle and a blue square', 'adaptive', []);
  const layout = {
    layout: { subjects: [{ phrase: 'circle', box: [0, 0, 0.5, 1] as [number, number, number, number] }], source: 'test' },
    weight: 0.2, guidanceSteps: 4, eta: REFERENCE_ETA, resolutions: 'all' as const, selfRecurrence: false,
  };
  const results = new Map<string, Float32Array>();
  for (const steps of [4, 10]) {
    for (const sampler of SAMPLER_NAMES) {
      const r = await generate({
        model, conditioning, guidance: { kind: 'cfg', scale: 5 }, sampler, steps, seed: 3,
        width: model.defaultSize, height: model.defaultSize, layout,
      });
      assert.ok(r.latent.data.every(Number.isFinite), `${sampler}, ${steps} steps: finite latent`);
      assert.equal(r.sigmas.at(-1), 0, `${sampler}, ${steps} steps: the plan ends at sigma 0`);
      if (steps === 10) results.set(sampler, r.latent.data);
    }
  }
  const first = results.get('euler')!;
  for (const [name, data] of results) if (name !== 'euler' && name !== 'ddim') assert.ok(data.some((v, i) => v !== first[i]), `${name} differs from euler`);
});
