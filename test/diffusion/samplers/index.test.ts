// Properties shared by every sampler listed in diffusion/samplers/index.ts: convergence on analytic toys, the
// equivalences between them, purity and coded input errors. Per-file specifics live in the sibling test files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSampler, INITIAL_SAMPLER_STATE, SAMPLER_NAMES } from '../../../diffusion/samplers';
import { gaussian } from '../../../diffusion/noise';
import { inferencePlan, parseSchedulerConfig } from '../../../diffusion/schedule';
import { f32 } from '../../../diffusion/tensor';
import { GAUSS_MU, GAUSS_S, gaussianDenoiser, maxAbsDiff, meanStd, runSampler } from './toy';

const SD = parseSchedulerConfig({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' });
const N_ELEMENTS = 20_000;

test('every sampler reaches a point mass x0* exactly (D(x; sigma) = x0*) in N steps', () => {
  const target = gaussian(11, [2, 4, 3, 3]);
  const start = gaussian(12, [2, 4, 3, 3]);
  const plan = inferencePlan(SD, 8);
  for (const name of SAMPLER_NAMES) {
    for (const eta of [0, 1]) {
      const x = runSampler(name, plan.sigmas, start, () => target, { eta });
      assert.ok(maxAbsDiff(x.data, target.data) < 1e-5, `${name} eta=${eta}`);
    }
  }
});

test('deterministic samplers follow the exact Gaussian ODE; Euler is first order and DPM++ 2M second order', () => {
  const z = gaussian(1, [N_ELEMENTS]);
  const errors: Record<string, number[]> = {};
  for (const steps of [20, 40]) {
    const { sigmas } = inferencePlan(SD, steps, { sigmas: 'karras' });
    const start = f32(z.dims, z.data.map((v) => GAUSS_MU + Math.sqrt(GAUSS_S ** 2 + sigmas[0] ** 2) * v));
    const exact = z.data.map((v) => GAUSS_MU + GAUSS_S * v);
    for (const name of ['euler', 'ddim', 'dpmpp_2m'] as const) {
      (errors[name] ??= []).push(maxAbsDiff(runSampler(name, sigmas, start, gaussianDenoiser).data, exact));
    }
  }
  // Measured on this toy (2026-11-22): Euler 0.247 -> 0.124 (ratio 0.50), DPM++ 2M 0.0385 -> 0.0071 (ratio 0.18).
  const ratio = (name: string) => errors[name][1] / errors[name][0];
  assert.ok(ratio('euler') > 0.4 && ratio('euler') < 0.6, `euler ratio ${ratio('euler')}`);
  assert.ok(ratio('dpmpp_2m') < 0.3, `dpmpp_2m ratio ${ratio('dpmpp_2m')}`);
  assert.ok(errors.dpmpp_2m[1] < errors.euler[1] / 10);
  assert.ok(errors.euler[1] < 0.15);
});

test('ancestral samplers reproduce the data distribution N(mu, s^2) as steps grow', () => {
  const z = gaussian(1, [N_ELEMENTS]);
  const stds: number[] = [];
  for (const steps of [10, 80]) {
    const { sigmas } = inferencePlan(SD, steps, { sigmas: 'karras' });
    const start = f32(z.dims, z.data.map((v) => GAUSS_MU + Math.sqrt(GAUSS_S ** 2 + sigmas[0] ** 2) * v));
    const { mean, std } = meanStd(runSampler('euler_ancestral', sigmas, start, gaussianDenoiser).data);
    // Standard error of the mean over 2e4 samples is 0.8 / sqrt(2e4) = 0.0057.
    assert.ok(Math.abs(mean - GAUSS_MU) < 0.03, `mean ${mean}`);
    stds.push(std);
  }
  // Measured: std 0.58 at 10 steps, 0.76 at 80 (first-order bias towards under-dispersion, shrinking with N).
  assert.ok(Math.abs(stds[1] - GAUSS_S) < 0.06, `std at 80 steps ${stds[1]}`);
  assert.ok(Math.abs(stds[1] - GAUSS_S) < Math.abs(stds[0] - GAUSS_S));
});

test('DDIM eta=0 equals Euler, and DDIM eta=1 equals Euler ancestral with the same noise', () => {
  const dims = [1, 4, 8, 8];
  const x = gaussian(20, dims);
  const D = gaussian(21, dims);
  const Dn = gaussian(22, dims);
  const noise = gaussian(23, dims);
  const input = { x, sigma: 3.2, sigmaNext: 1.7, denoised: D, denoisedForNoise: Dn, noise };
  const pairs: [string, number, string, number][] = [
    ['ddim', 0, 'euler', 0], ['ddim', 1, 'euler_ancestral', 1], ['ddim', 0.5, 'euler_ancestral', 0.5],
  ];
  for (const [a, etaA, b, etaB] of pairs) {
    const xa = createSampler(a as 'ddim', { eta: etaA }).step(INITIAL_SAMPLER_STATE, input).x;
    const xb = createSampler(b as 'euler', { eta: etaB }).step(INITIAL_SAMPLER_STATE, input).x;
    assert.ok(maxAbsDiff(xa.data, xb.data) < 1e-5, `${a}(${etaA}) vs ${b}(${etaB})`);
  }
});

test('steps are pure: inputs are not mutated and the same (state, input) gives the same output', () => {
  const dims = [2, 3];
  const input = {
    x: gaussian(1, dims), sigma: 2, sigmaNext: 1,
    denoised: gaussian(2, dims), denoisedForNoise: gaussian(3, dims), noise: gaussian(4, dims),
  };
  const before = [input.x, input.denoised, input.denoisedForNoise, input.noise].map((t) => Array.from(t.data));
  for (const name of SAMPLER_NAMES) {
    const sampler = createSampler(name);
    const a = sampler.step(INITIAL_SAMPLER_STATE, input);
    const b = sampler.step(INITIAL_SAMPLER_STATE, input);
    assert.deepEqual(Array.from(a.x.data), Array.from(b.x.data), name);
    assert.deepEqual(a.x.dims, dims);
  }
  assert.deepEqual([input.x, input.denoised, input.denoisedForNoise, input.noise].map((t) => Array.from(t.data)), before);
});

test('bad inputs raise coded errors', () => {
  const t = gaussian(1, [2, 2]);
  const base = { x: t, sigma: 2, sigmaNext: 1, denoised: t, denoisedForNoise: t, noise: t };
  for (const name of SAMPLER_NAMES) {
    const s = createSampler(name);
    assert.throws(() => s.step(INITIAL_SAMPLER_STATE, { ...base, denoised: gaussian(1, [4]) }), { code: 'E_SAMPLER_SHAPE' }, name);
    assert.throws(() => s.step(INITIAL_SAMPLER_STATE, { ...base, sigmaNext: 2 }), { code: 'E_SAMPLER_SIGMA' }, name);
    assert.throws(() => s.step(INITIAL_SAMPLER_STATE, { ...base, sigma: 0, sigmaNext: 0 }), { code: 'E_SAMPLER_SIGMA' }, name);
    assert.throws(() => s.step(INITIAL_SAMPLER_STATE, { ...base, sigmaNext: -1 }), { code: 'E_SAMPLER_SIGMA' }, name);
  }
  assert.throws(
    () => createSampler('euler_ancestral').step(INITIAL_SAMPLER_STATE, { ...base, noise: undefined }),
    { code: 'E_SAMPLER_NOISE_MISSING' },
  );
  assert.throws(
    () => createSampler('ddim', { eta: 1 }).step(INITIAL_SAMPLER_STATE, { ...base, noise: undefined }),
    { code: 'E_SAMPLER_NOISE_MISSING' },
  );
  // Deterministic samplers and the final ancestral step (sigma_up = 0) need no noise.
  assert.doesNotThrow(() => createSampler('euler_ancestral').step(INITIAL_SAMPLER_STATE, { ...base, sigmaNext: 0, noise: undefined }));
  assert.throws(() => createSampler('ddim', { eta: -0.1 }), { code: 'E_SAMPLER_OPTIONS' });
  assert.throws(() => createSampler('heun' as 'euler'), { code: 'E_SAMPLER_OPTIONS' });
});
