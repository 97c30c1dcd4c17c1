import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ddim } from '../../../diffusion/samplers/ddim';
import { INITIAL_SAMPLER_STATE } from '../../../diffusion/samplers/types';
import { f32 } from '../../../diffusion/tensor';

// Independent re-derivation in VP form: x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps (Song et al. 2021 eq. 4 notation).
test('DDIM eta = 0 on sigma-space x equals eq. 12 applied to x_t = sqrt(alpha_t) x', () => {
  const aT = 0.3;
  const aPrev = 0.6;
  const sigma = Math.sqrt((1 - aT) / aT);
  const sigmaNext = Math.sqrt((1 - aPrev) / aPrev);
  const x0 = [0.4, -1.2, 2];
  const eps = [1.1, 0.3, -0.8];
  const xt = x0.map((v, k) => Math.sqrt(aT) * v + Math.sqrt(1 - aT) * eps[k]);
  // eq. 12 with sigma_t = 0: x_(t-1) = sqrt(a_prev) x0 + sqrt(1 - a_prev) eps
  const xPrev = x0.map((v, k) => Math.sqrt(aPrev) * v + Math.sqrt(1 - aPrev) * eps[k]);
  const x = f32([3], Float32Array.from(xt, (v) => v / Math.sqrt(aT)));
  const D = f32([3], Float32Array.from(x0));
  const out = ddim().step(INITIAL_SAMPLER_STATE, { x, sigma, sigmaNext, denoised: D, denoisedForNoise: D }).x;
  out.data.forEach((v, k) => assert.ok(Math.abs(v * Math.sqrt(aPrev) - xPrev[k]) < 1e-5, `element ${k}`));
});

test('DDIM with eta: the added noise has std sigma_t / sqrt(alpha_prev) of eq. 16', () => {
  const aT = 0.3;
  const aPrev = 0.6;
  const sigma = Math.sqrt((1 - aT) / aT);
  const sigmaNext = Math.sqrt((1 - aPrev) / aPrev);
  const zero = f32([1], Float32Array.from([0]));
  const one = f32([1], Float32Array.from([1]));
  // x = D = D_n = 0, so only the noise term remains.
  const input = { x: zero, sigma, sigmaNext, denoised: zero, denoisedForNoise: zero, noise: one };
  const out = ddim({ eta: 1 }).step(INITIAL_SAMPLER_STATE, input).x;
  const sigmaT = Math.sqrt((1 - aPrev) / (1 - aT)) * Math.sqrt(1 - aT / aPrev);
  assert.ok(Math.abs(out.data[0] - sigmaT / Math.sqrt(aPrev)) < 1e-6);
});

test('the final DDIM step to sigma 0 (alpha_bar 1, set_alpha_to_one) returns x0_pred', () => {
  const x = f32([2], Float32Array.from([3, 4]));
  const D = f32([2], Float32Array.from([0.5, -0.5]));
  const out = ddim({ eta: 1 }).step(INITIAL_SAMPLER_STATE, { x, sigma: 0.1, sigmaNext: 0, denoised: D, denoisedForNoise: x }).x;
  assert.deepEqual(Array.from(out.data), [0.5, -0.5]);
});
