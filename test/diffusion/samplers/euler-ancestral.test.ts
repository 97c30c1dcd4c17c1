import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ancestralSigmas, eulerAncestral } from '../../../diffusion/samplers/euler-ancestral';
import { INITIAL_SAMPLER_STATE } from '../../../diffusion/samplers/types';
import { f32 } from '../../../diffusion/tensor';

test('sigma_down^2 + sigma_up^2 = sigma_next^2 for every eta, and eta = 0 gives sigma_up = 0', () => {
  for (const [sigma, next] of [[14.6, 10.2], [1, 0.5], [0.1, 0.02], [3, 0]]) {
    for (const eta of [0, 0.5, 1, 2]) {
      const { sigmaDown, sigmaUp } = ancestralSigmas(sigma, next, eta);
      assert.ok(Math.abs(sigmaDown ** 2 + sigmaUp ** 2 - next ** 2) < 1e-12, `${sigma}->${next} eta ${eta}`);
      assert.ok(sigmaUp <= next);
    }
    assert.equal(ancestralSigmas(sigma, next, 0).sigmaUp, 0);
  }
  // Hand value: sigma 2 -> 1, eta 1: sigma_up = sqrt(1 * (4 - 1) / 4) = sqrt(0.75).
  assert.ok(Math.abs(ancestralSigmas(2, 1).sigmaUp - Math.sqrt(0.75)) < 1e-15);
});

test('one step is D + sigma_down (x - D_n) / sigma + sigma_up z', () => {
  const x = f32([2], Float32Array.from([3, -1]));
  const D = f32([2], Float32Array.from([0.5, 0.5]));
  const Dn = f32([2], Float32Array.from([1, 0]));
  const z = f32([2], Float32Array.from([0.3, -0.7]));
  const { sigmaDown, sigmaUp } = ancestralSigmas(2, 1);
  const out = eulerAncestral().step(INITIAL_SAMPLER_STATE, { x, sigma: 2, sigmaNext: 1, denoised: D, denoisedForNoise: Dn, noise: z }).x;
  for (let k = 0; k < 2; k++) {
    const expected = D.data[k] + (sigmaDown * (x.data[k] - Dn.data[k])) / 2 + sigmaUp * z.data[k];
    assert.ok(Math.abs(out.data[k] - expected) < 1e-6);
  }
});

test('eta = 0 is not stochastic and needs no noise', () => {
  const sampler = eulerAncestral({ eta: 0 });
  assert.equal(sampler.stochastic, false);
  const t = f32([1], Float32Array.from([1]));
  assert.doesNotThrow(() => sampler.step(INITIAL_SAMPLER_STATE, { x: t, sigma: 2, sigmaNext: 1, denoised: t, denoisedForNoise: t }));
});
