import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renoise } from '../../../diffusion/samplers/renoise';
import { gaussian } from '../../../diffusion/noise';
import { f32 } from '../../../diffusion/tensor';
import { meanStd } from './toy';

test('renoise adds noise of std sqrt(sigma_i^2 - sigma_(i+1)^2) (docs/method.md section 6)', () => {
  const x = f32([3], Float32Array.from([1, 2, 3]));
  const z = f32([3], Float32Array.from([1, 0, -2]));
  const out = renoise(x, 3, 5, z); // sqrt(25 - 9) = 4
  assert.deepEqual(Array.from(out.data), [5, 2, -5]);
  assert.deepEqual(Array.from(x.data), [1, 2, 3], 'input untouched');
});

test('x0 + sigma_(i+1) eps re-noised to sigma_i has total noise std sigma_i', () => {
  const eps = gaussian(1, [50_000]);
  const x = f32(eps.dims, eps.data.map((v) => 1.5 * v));
  const { std } = meanStd(renoise(x, 1.5, 2.5, gaussian(2, [50_000])).data);
  assert.ok(Math.abs(std - 2.5) < 0.03, `std ${std}`); // standard error 2.5 / sqrt(1e5) = 0.008
});

test('renoise rejects a missing noise, wrong dims and a non-increasing target', () => {
  const x = gaussian(1, [4]);
  assert.throws(() => renoise(x, 1, 2, undefined), { code: 'E_SAMPLER_NOISE_MISSING' });
  assert.throws(() => renoise(x, 1, 2, gaussian(1, [5])), { code: 'E_SAMPLER_SHAPE' });
  assert.throws(() => renoise(x, 2, 1, x), { code: 'E_SAMPLER_SIGMA' });
});
