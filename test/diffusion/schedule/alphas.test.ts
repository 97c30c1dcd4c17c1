import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedulerConfig } from '../../../diffusion/schedule/config';
import { alphaBarFromSigma, alphasCumprod, betas, sigmaFromAlphaBar, trainingSigmas } from '../../../diffusion/schedule/alphas';

const SD = parseSchedulerConfig({ num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' });
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('sigma_max re-derived by hand: prod over t of 1 - (sqrt(b0) + t/999 (sqrt(b1) - sqrt(b0)))^2', () => {
  let alphaBar = 1;
  for (let t = 0; t < 1000; t++) {
    const root = Math.sqrt(0.00085) + (t / 999) * (Math.sqrt(0.012) - Math.sqrt(0.00085));
    alphaBar *= 1 - root * root;
  }
  close(alphasCumprod(SD)[999], alphaBar, 1e-15, 'alpha_bar_999');
  close(trainingSigmas(SD)[999], Math.sqrt((1 - alphaBar) / alphaBar), 1e-12, 'sigma_999');
  close(trainingSigmas(SD)[0], Math.sqrt(0.00085 / (1 - 0.00085)), 1e-15, 'sigma_0 = sqrt(b0 / (1 - b0))');
});

test('linear and cosine schedules give increasing sigmas', () => {
  for (const beta_schedule of ['linear', 'squaredcos_cap_v2']) {
    const s = trainingSigmas(parseSchedulerConfig({ beta_schedule }));
    for (let t = 1; t < s.length; t++) assert.ok(s[t] > s[t - 1]);
  }
});

test('betas hit beta_start and beta_end; cosine betas are capped at 0.999; trained_betas win', () => {
  const linear = betas(parseSchedulerConfig({ beta_start: 0.0001, beta_end: 0.02 }));
  close(linear[0], 0.0001, 1e-18, 'beta_1');
  close(linear[999], 0.02, 1e-18, 'beta_T');
  close(betas(SD)[999], 0.012, 1e-17, 'scaled_linear beta_T');
  const cosine = betas(parseSchedulerConfig({ beta_schedule: 'squaredcos_cap_v2' }));
  assert.equal(cosine[999], 0.999, 'alpha_bar(1) = 0 makes the last beta 1, capped (Nichol & Dhariwal 2021)');
  assert.deepEqual(Array.from(betas(parseSchedulerConfig({ num_train_timesteps: 2, trained_betas: [0.1, 0.2] }))), [0.1, 0.2]);
  close(alphasCumprod(parseSchedulerConfig({ num_train_timesteps: 2, trained_betas: [0.1, 0.2] }))[1], 0.9 * 0.8, 1e-15, 'cumprod');
});

test('sigma and alpha_bar convert both ways', () => {
  for (const a of [0.999, 0.5, 0.0047]) close(alphaBarFromSigma(sigmaFromAlphaBar(a)), a, 1e-15, `alpha_bar ${a}`);
});
