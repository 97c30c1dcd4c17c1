import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedulerConfig } from '../../../diffusion/schedule/config';
import { trainingSigmas } from '../../../diffusion/schedule/alphas';
import { sigmaAtTimestep, timestepAtSigma } from '../../../diffusion/schedule/sigma-timestep';

const SD = parseSchedulerConfig({ num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' });
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('sigma <-> timestep mapping is exact at integer timesteps and monotone', () => {
  const s = trainingSigmas(SD);
  for (const t of [0, 1, 250, 998, 999]) close(timestepAtSigma(s, sigmaAtTimestep(s, t)), t, 1e-9, `t=${t}`);
  close(sigmaAtTimestep(s, 10.5), (s[10] + s[11]) / 2, 1e-15, 'linear interpolation');
  assert.equal(timestepAtSigma(s, 1000), 999, 'clamped above');
  assert.equal(timestepAtSigma(s, 0), 0, 'clamped below');
  assert.throws(() => timestepAtSigma(s, Number.NaN), { code: 'E_SCHEDULE_SIGMA' });
  assert.throws(() => sigmaAtTimestep(s, -1), { code: 'E_SCHEDULE_SIGMA' });
  let previous = -1;
  for (let sigma = 0.01; sigma < 20; sigma *= 1.07) {
    const t = timestepAtSigma(s, sigma);
    assert.ok(t >= previous, `monotone at sigma ${sigma}`);
    previous = t;
  }
});
