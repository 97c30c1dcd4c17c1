import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedulerConfig } from '../../../diffusion/schedule/config';
import { trainingSigmas } from '../../../diffusion/schedule/alphas';
import { inferencePlan, roundHalfEven } from '../../../diffusion/schedule/plan';

const SD = parseSchedulerConfig({ num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' });
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('SD scaled_linear: sigma_max 14.6146 and sigma_min 0.0292 (the values k-diffusion and diffusers print for SD)', () => {
  const plan = inferencePlan(SD, 50);
  // diffusers EulerDiscreteScheduler (float32) gives 14.614641189575195 and 0.029167160391807556; tolerance covers
  // its float32 arithmetic.
  close(plan.sigmas[0], 14.614641189575195, 1e-5, 'sigma_0');
  close(plan.sigmas[49], 0.029167160391807556, 1e-7, 'sigma_49');
  assert.equal(plan.sigmas[50], 0);
  assert.equal(plan.sigmas.length, 51);
  for (let i = 0; i < 50; i++) assert.ok(plan.sigmas[i] > plan.sigmas[i + 1], 'sigmas strictly decrease');
});

test('linspace timesteps are linspace(0, 999, 50) reversed, fractional for Euler and rounded for DDIM', () => {
  const euler = inferencePlan(SD, 50);
  assert.equal(euler.timesteps[0], 999);
  close(euler.timesteps[1], 999 - 999 / 49, 1e-12, 't_1');
  assert.equal(euler.timesteps[49], 0);
  const ddim = inferencePlan({ ...SD, timestepSpacing: 'linspace' }, 50, { family: 'ddim' });
  assert.equal(ddim.timesteps[1], 979); // round(978.61)
});

test("leading with steps_offset 1 gives SD's DDIM timesteps 981, 961, ..., 1", () => {
  const plan = inferencePlan({ ...SD, stepsOffset: 1 }, 50, { family: 'ddim' });
  assert.deepEqual(Array.from(plan.timesteps.subarray(0, 3)), [981, 961, 941]);
  assert.equal(plan.timesteps[49], 1);
  assert.equal(plan.sigmas[50], 0, 'set_alpha_to_one: final sigma 0');
  const noOne = inferencePlan({ ...SD, stepsOffset: 1, setAlphaToOne: false }, 50, { family: 'ddim' });
  close(noOne.sigmas[50], trainingSigmas(SD)[0], 1e-15, 'final sigma = sigma(alpha_bar_0)');
});

test('DDIM with linspace spacing and set_alpha_to_one false (the shapes model) ends at sigma 0: strictly decreasing', () => {
  const plan = inferencePlan({ ...SD, timestepSpacing: 'linspace', setAlphaToOne: false }, 10, { family: 'ddim' });
  assert.equal(plan.timesteps[9], 0);
  assert.equal(plan.sigmas[10], 0, 'sigma(alpha_bar_0) would repeat sigma_9');
  for (let i = 0; i < 10; i++) assert.ok(plan.sigmas[i] > plan.sigmas[i + 1], `sigma_${i} > sigma_${i + 1}`);
});

test('trailing spacing ends at 999 and rounds half to even like numpy', () => {
  const plan = inferencePlan({ ...SD, timestepSpacing: 'trailing' }, 50);
  assert.deepEqual(Array.from(plan.timesteps.subarray(0, 3)), [999, 979, 959]);
  assert.equal(plan.timesteps[49], 19);
  // T / N = 62.5: arange gives 937.5 and 812.5, which numpy rounds to 938 and 812.
  const sixteen = inferencePlan({ ...SD, timestepSpacing: 'trailing' }, 16);
  assert.equal(sixteen.timesteps[1], 937);
  assert.equal(sixteen.timesteps[3], 811);
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(-0.5), -0);
});

test('karras sigmas keep the endpoints and follow eq. 5 with rho = 7', () => {
  const plan = inferencePlan(SD, 10, { sigmas: 'karras' });
  close(plan.sigmas[0], 14.614641189575195, 1e-5, 'sigma_max');
  close(plan.sigmas[9], 0.029167160391807556, 1e-7, 'sigma_min');
  const mid = (14.614641229333643 ** (1 / 7) + (5 / 9) * (0.029167158151720367 ** (1 / 7) - 14.614641229333643 ** (1 / 7))) ** 7;
  close(plan.sigmas[5], mid, 1e-9, 'sigma_5');
  close(plan.timesteps[0], 999, 1e-9, 't(sigma_max)');
});

test('bad step counts are coded errors', () => {
  assert.throws(() => inferencePlan(SD, 0), { code: 'E_SCHEDULE_STEPS' });
  assert.throws(() => inferencePlan(SD, 1001), { code: 'E_SCHEDULE_STEPS' });
  assert.throws(() => inferencePlan(SD, 2.5), { code: 'E_SCHEDULE_STEPS' });
});
