import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cfg } from '../../../diffusion/guidance/cfg';
import { f32 } from '../../../diffusion/tensor';

const denoisedCond = f32([3], Float32Array.from([1, 2, 3]));
const denoisedUncond = f32([3], Float32Array.from([0, 1, 1]));

test('CFG is D_u + w (D_c - D_u) (Ho & Salimans 2022, eq. 6) and uses it for both sampler inputs', () => {
  const out = cfg({ denoisedCond, denoisedUncond, scale: 7.5 });
  assert.deepEqual(Array.from(out.denoised.data), [7.5, 8.5, 16]);
  assert.equal(out.denoisedForNoise, out.denoised);
});

test('scale 1 is the conditional prediction and scale 0 the unconditional one', () => {
  assert.deepEqual(Array.from(cfg({ denoisedCond, denoisedUncond, scale: 1 }).denoised.data), [1, 2, 3]);
  assert.deepEqual(Array.from(cfg({ denoisedCond, denoisedUncond, scale: 0 }).denoised.data), [0, 1, 1]);
});

test('mismatched dims and a non-finite scale are coded errors', () => {
  assert.throws(() => cfg({ denoisedCond, denoisedUncond: f32([2]), scale: 2 }), { code: 'E_GUIDANCE_SHAPE' });
  assert.throws(() => cfg({ denoisedCond, denoisedUncond, scale: Number.NaN }), { code: 'E_GUIDANCE_PARAM' });
});
