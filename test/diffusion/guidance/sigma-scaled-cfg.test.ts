import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmaScaledCfg, sigmaScaledScale } from '../../../diffusion/guidance/sigma-scaled-cfg';
import { f32 } from '../../../diffusion/tensor';

test('w_i = w (1 + sigma_i / sigma_max): 2w at the first step, w at sigma 0 (the report\'s rule)', () => {
  assert.equal(sigmaScaledScale(7.5, 14.6, 14.6), 15);
  assert.equal(sigmaScaledScale(7.5, 0, 14.6), 7.5);
  assert.equal(sigmaScaledScale(4, 5, 10), 6);
});

test('sigma-scaled CFG is CFG at the scaled w', () => {
  const denoisedCond = f32([2], Float32Array.from([1, 2]));
  const denoisedUncond = f32([2], Float32Array.from([0, 0]));
  const out = sigmaScaledCfg({ denoisedCond, denoisedUncond, scale: 2, sigma: 5, sigmaMax: 10 });
  assert.deepEqual(Array.from(out.denoised.data), [3, 6]);
  assert.equal(out.denoisedForNoise, out.denoised);
  assert.throws(() => sigmaScaledScale(2, 1, 0), { code: 'E_GUIDANCE_PARAM' });
});
