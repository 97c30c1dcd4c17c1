import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dpmpp2mStep } from '../../../diffusion/samplers/dpmpp-2m';
import { eulerStep } from '../../../diffusion/samplers/euler';
import { INITIAL_SAMPLER_STATE } from '../../../diffusion/samplers/types';
import { gaussian } from '../../../diffusion/noise';
import { maxAbsDiff } from './toy';

const dims = [1, 2, 4, 4];

test('the first step (no history) is the Euler step and records D_n and sigma', () => {
  const input = { x: gaussian(1, dims), sigma: 5, sigmaNext: 3, denoised: gaussian(2, dims), denoisedForNoise: gaussian(3, dims) };
  const out = dpmpp2mStep(INITIAL_SAMPLER_STATE, input);
  assert.ok(maxAbsDiff(out.x.data, eulerStep(INITIAL_SAMPLER_STATE, input).x.data) < 1e-6);
  assert.equal(out.state.previous?.sigma, 5);
  assert.equal(out.state.previous?.denoisedForNoise, input.denoisedForNoise);
});

test('a second step matches Lu et al. 2022 Algorithm 2 written out independently', () => {
  const [sPrev, s, sNext] = [5, 3, 1.5];
  const Dprev = gaussian(4, dims);
  const x = gaussian(5, dims);
  const D = gaussian(6, dims);
  const state = { previous: { denoisedForNoise: Dprev, sigma: sPrev } };
  const out = dpmpp2mStep(state, { x, sigma: s, sigmaNext: sNext, denoised: D, denoisedForNoise: D }).x;
  const lambda = (sig: number) => -Math.log(sig);
  const h = lambda(sNext) - lambda(s);
  const r = (lambda(s) - lambda(sPrev)) / h;
  for (let k = 0; k < out.data.length; k++) {
    const Deff = (1 + 1 / (2 * r)) * D.data[k] - (1 / (2 * r)) * Dprev.data[k];
    const expected = (sNext / s) * x.data[k] - (Math.exp(-h) - 1) * Deff;
    assert.ok(Math.abs(out.data[k] - expected) < 1e-5, `element ${k}`);
  }
});

test('the final step (sigma_next = 0) is first order: it returns D whatever the history', () => {
  const D = gaussian(7, dims);
  const state = { previous: { denoisedForNoise: gaussian(8, dims), sigma: 0.5 } };
  const out = dpmpp2mStep(state, { x: gaussian(9, dims), sigma: 0.1, sigmaNext: 0, denoised: D, denoisedForNoise: D }).x;
  assert.deepEqual(Array.from(out.data), Array.from(D.data));
});

test('self-recurrence: repeating a step from the pre-step state gives the same update both times', () => {
  const state = { previous: { denoisedForNoise: gaussian(10, dims), sigma: 6 } };
  const input = { x: gaussian(11, dims), sigma: 4, sigmaNext: 2, denoised: gaussian(12, dims), denoisedForNoise: gaussian(12, dims) };
  const pass1 = dpmpp2mStep(state, input);
  const pass2 = dpmpp2mStep(state, input);
  assert.deepEqual(Array.from(pass2.x.data), Array.from(pass1.x.data));
  // Using pass 1's state instead (history at the same sigma) is detected and falls back to first order.
  const wrong = dpmpp2mStep(pass1.state, input);
  assert.ok(maxAbsDiff(wrong.x.data, eulerStep(INITIAL_SAMPLER_STATE, input).x.data) < 1e-6);
});

test('a history of other dims is a coded error', () => {
  const state = { previous: { denoisedForNoise: gaussian(1, [3]), sigma: 6 } };
  const t = gaussian(2, dims);
  assert.throws(() => dpmpp2mStep(state, { x: t, sigma: 4, sigmaNext: 2, denoised: t, denoisedForNoise: t }), { code: 'E_SAMPLER_SHAPE' });
});
