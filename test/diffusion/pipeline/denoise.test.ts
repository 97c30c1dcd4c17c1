import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denoise } from '../../../diffusion/pipeline/denoise';
import { createSampler } from '../../../diffusion/samplers';
import { f32 } from '../../../diffusion/tensor';

const zeros = { next: (dims: readonly number[]) => f32(dims), position: 0 };
const sigmas = [4, 2, 1, 0];

function run(recurrent: (i: number) => boolean) {
  const calls: Array<[number, number]> = [];
  return denoise({
    sampler: createSampler('euler'), guidance: { kind: 'cfg', scale: 3 }, sigmas,
    x: f32([1, 1, 1, 2], new Float32Array([8, -4])), noise: zeros,
    recurrent,
    // D = 0 for both branches: Euler then scales x by sigma_next / sigma exactly.
    predict: async (x, sigma, step, pass) => {
      calls.push([step, pass]);
      return { denoisedCond: f32(x.dims), denoisedUncond: f32(x.dims) };
    },
  }).then((x) => ({ x, calls }));
}

test('plain run: one prediction per step, Euler reaches D', async () => {
  const { x, calls } = await run(() => false);
  assert.deepEqual(calls, [[0, 0], [1, 0], [2, 0]]);
  assert.deepEqual([...x.data], [0, 0]);
});

test('self-recurrence repeats each guided step from sigma_i (the last step, to sigma 0, is never repeated)', async () => {
  const { calls } = await run((i) => i < 2);
  assert.deepEqual(calls, [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0]]);
  // With zero re-noise, pass 1 of step 0 leaves 8*2/4 = 4; pass 2 steps again from there: 4*2/4 = 2.
  const one = await denoise({
    sampler: createSampler('euler'), guidance: { kind: 'cfg', scale: 1 }, sigmas: [4, 2], x: f32([1], new Float32Array([8])), noise: zeros,
    recurrent: () => true, predict: async (x) => ({ denoisedCond: f32(x.dims), denoisedUncond: f32(x.dims) }),
  });
  assert.deepEqual([...one.data], [2]);
});

test('an aborted signal stops before the next UNet call', async () => {
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(denoise({
    sampler: createSampler('euler'), guidance: { kind: 'cfg', scale: 1 }, sigmas,
    x: f32([1], new Float32Array([1])), noise: zeros, recurrent: () => false,
    signal: controller.signal,
    predict: async (x) => { calls++; controller.abort(); return { denoisedCond: f32(x.dims), denoisedUncond: f32(x.dims) }; },
  }), { code: 'E_INTERRUPTED' });
  assert.equal(calls, 1);
});
