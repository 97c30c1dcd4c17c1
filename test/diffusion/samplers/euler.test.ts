import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eulerStep } from '../../../diffusion/samplers/euler';
import { INITIAL_SAMPLER_STATE } from '../../../diffusion/samplers/types';
import { f32 } from '../../../diffusion/tensor';

test('Euler with D_n = D is x + (sigma_next - sigma) d, d = (x - D) / sigma (Karras et al. 2022, Alg. 2 line 5)', () => {
  const x = f32([3], Float32Array.from([1, -2, 0.5]));
  const D = f32([3], Float32Array.from([0.2, 0.1, -0.3]));
  const out = eulerStep(INITIAL_SAMPLER_STATE, { x, sigma: 4, sigmaNext: 3, denoised: D, denoisedForNoise: D }).x;
  const expected = [0, 1, 2].map((k) => x.data[k] + (3 - 4) * ((x.data[k] - D.data[k]) / 4));
  out.data.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-6));
});

test('Euler with D != D_n aims at D and carries the noise of D_n (CFG++ form, Chung et al. 2024)', () => {
  const x = f32([2], Float32Array.from([2, 4]));
  const D = f32([2], Float32Array.from([1, 1]));
  const Dn = f32([2], Float32Array.from([0, 2]));
  // x_next = D + sigma_next (x - D_n) / sigma = [1 + 0.5 * 2, 1 + 0.5 * 2]
  const out = eulerStep(INITIAL_SAMPLER_STATE, { x, sigma: 2, sigmaNext: 1, denoised: D, denoisedForNoise: Dn }).x;
  assert.deepEqual(Array.from(out.data), [2, 2]);
});

test('the final Euler step (sigma_next = 0) returns D', () => {
  const x = f32([2], Float32Array.from([5, 6]));
  const D = f32([2], Float32Array.from([0.25, -1]));
  const out = eulerStep(INITIAL_SAMPLER_STATE, { x, sigma: 0.03, sigmaNext: 0, denoised: D, denoisedForNoise: x }).x;
  assert.deepEqual(Array.from(out.data), [0.25, -1]);
});
