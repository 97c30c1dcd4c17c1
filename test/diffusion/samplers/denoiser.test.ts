import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denoisedFromOutput, modelInput, modelTimestep } from '../../../diffusion/samplers/denoiser';
import { parseSchedulerConfig, trainingSigmas } from '../../../diffusion/schedule';
import { gaussian } from '../../../diffusion/noise';
import { f32 } from '../../../diffusion/tensor';
import { maxAbsDiff } from './toy';

// A VP model sees x_t = alpha x0 + sigma_t eps with alpha = 1/sqrt(1 + sigma^2), sigma_t = sigma/sqrt(1 + sigma^2)
// (DDPM forward process), and predicts eps or v = alpha eps - sigma_t x0 (Salimans & Ho 2022). Feeding the true
// eps or v must give back x0 exactly.
const sigma = 2.7;
const alpha = 1 / Math.sqrt(1 + sigma ** 2);
const sigmaT = sigma / Math.sqrt(1 + sigma ** 2);
const x0 = gaussian(1, [2, 4, 3, 3]);
const eps = gaussian(2, [2, 4, 3, 3]);
const x = f32(x0.dims, x0.data.map((v, k) => v + sigma * eps.data[k])); // sigma space

test('modelInput gives the VP sample x_t = alpha x0 + sigma_t eps', () => {
  const xt = x0.data.map((v, k) => alpha * v + sigmaT * eps.data[k]);
  assert.ok(maxAbsDiff(modelInput(x, sigma).data, xt) < 1e-5);
});

test('epsilon, v and sample predictions all recover x0 from the true model output', () => {
  const v = f32(x0.dims, x0.data.map((x0k, k) => alpha * eps.data[k] - sigmaT * x0k));
  assert.ok(maxAbsDiff(denoisedFromOutput(x, eps, sigma, 'epsilon').data, x0.data) < 1e-5);
  assert.ok(maxAbsDiff(denoisedFromOutput(x, v, sigma, 'v_prediction').data, x0.data) < 1e-5);
  assert.ok(maxAbsDiff(denoisedFromOutput(x, x0, sigma, 'sample').data, x0.data) === 0);
});

test('modelTimestep maps SD sigma_max to 999 and rejects mismatched dims or unknown prediction types', () => {
  const s = trainingSigmas(parseSchedulerConfig({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' }));
  assert.ok(Math.abs(modelTimestep(s, s[999]) - 999) < 1e-9);
  assert.throws(() => denoisedFromOutput(x, gaussian(1, [3]), sigma, 'epsilon'), { code: 'E_SAMPLER_SHAPE' });
  assert.throws(() => denoisedFromOutput(x, eps, sigma, 'x0' as 'epsilon'), { code: 'E_SAMPLER_OPTIONS' });
});
