import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedulerConfig } from '../../../diffusion/schedule/config';

// Stable Diffusion 2.1's scheduler/scheduler_config.json (PNDM class, as shipped on the Hugging Face hub).
const SD21 = {
  _class_name: 'PNDMScheduler', _diffusers_version: '0.10.0.dev0', beta_end: 0.012, beta_schedule: 'scaled_linear',
  beta_start: 0.00085, clip_sample: false, num_train_timesteps: 1000, prediction_type: 'v_prediction',
  set_alpha_to_one: false, skip_prk_steps: true, steps_offset: 1, trained_betas: null,
};

test('parses a real SD 2.1 config and ignores sampler-only keys', () => {
  const c = parseSchedulerConfig(SD21);
  assert.deepEqual(c, {
    numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear', trainedBetas: null,
    predictionType: 'v_prediction', timestepSpacing: undefined, stepsOffset: 1, setAlphaToOne: false,
  });
});

test('missing keys take diffusers defaults', () => {
  const c = parseSchedulerConfig({});
  assert.equal(c.numTrainTimesteps, 1000);
  assert.equal(c.betaStart, 0.0001);
  assert.equal(c.betaEnd, 0.02);
  assert.equal(c.betaSchedule, 'linear');
  assert.equal(c.predictionType, 'epsilon');
  assert.equal(c.setAlphaToOne, true);
});

test('every problem is reported in one E_SCHEDULER_CONFIG error', () => {
  assert.throws(
    () => parseSchedulerConfig({ beta_schedule: 'sigmoid', prediction_type: 'x0', timestep_spacing: 'even', beta_start: -1 }),
    (err: { code: string; details: { problems: string[] } }) => {
      assert.equal(err.code, 'E_SCHEDULER_CONFIG');
      assert.equal(err.details.problems.length, 4);
      return true;
    },
  );
  assert.throws(() => parseSchedulerConfig([1]), { code: 'E_SCHEDULER_CONFIG' });
  assert.throws(() => parseSchedulerConfig({ rescale_betas_zero_snr: true }), { code: 'E_SCHEDULER_CONFIG' });
  assert.throws(() => parseSchedulerConfig({ num_train_timesteps: 3, trained_betas: [0.1] }), { code: 'E_SCHEDULER_CONFIG' });
});
