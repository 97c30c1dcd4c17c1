import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLayoutBias, LAYOUT_MASK_LOGIT, maskLogits, unbiasedStd } from '../../../diffusion/layout/apply-bias';
import { gaussian } from '../../../diffusion/noise';
import { f32 } from '../../../diffusion/tensor';

const mask = (data: number[], dims: number[]) => ({ data: Uint8Array.from(data), dims });

test('std is unbiased (N - 1), like torch.Tensor.std() with its default correction = 1', () => {
  // [1, 2, 3, 4]: mean 2.5, squared deviations sum 5; unbiased var 5/3 (biased would be 5/4).
  assert.ok(Math.abs(unbiasedStd(Float32Array.from([1, 2, 3, 4])) - Math.sqrt(5 / 3)) < 1e-15);
});

test('hand case: logits + gw * eta * std * W_pos, then the mask where flagged, over all heads', () => {
  const logits = f32([2, 1, 2], Float32Array.from([1, 2, 3, 4])); // [heads = 2, S = 1, T = 2]
  const wPos = f32([1, 2], Float32Array.from([2.5, 0]));
  const out = applyLayoutBias(logits, wPos, mask([0, 1], [1, 2]), 0.08, 5);
  const b = 0.08 * 5 * Math.sqrt(5 / 3) * 2.5;
  const expected = [1 + b, 2 + LAYOUT_MASK_LOGIT, 3 + b, 4 + LAYOUT_MASK_LOGIT];
  out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-3, `${i}: ${v} vs ${expected[i]}`));
});

test('biasing scaled logits equals scaling biased raw scores: (S + gw eta std(S) W) d^-0.5 (docs/method.md section 5)', () => {
  const [H, S, T] = [4, 16, 7];
  const raw = gaussian(1, [H, S, T]);
  const wPos = f32([S, T], Float32Array.from(gaussian(2, [S * T]).data, (v) => (v > 0 ? 2.5 : 0)));
  const none = mask(new Array(S * T).fill(0), [S, T]);
  const scale = 64 ** -0.5;
  const scaled = f32(raw.dims, raw.data.map((v) => v * scale));
  const a = applyLayoutBias(scaled, wPos, none, 0.08, 3.1);
  const rawStd = unbiasedStd(raw.data);
  for (let i = 0; i < a.length; i++) {
    const expected = (raw.data[i] + 0.08 * 3.1 * rawStd * wPos.data[i % (S * T)]) * scale;
    assert.ok(Math.abs(a[i] - expected) < 1e-5);
  }
});

test('masked logits get exactly zero softmax probability in float32', () => {
  const logits = f32([1, 1, 3], Float32Array.from([30, -5, 2]));
  const out = applyLayoutBias(logits, f32([1, 3]), mask([1, 0, 0], [1, 3]), 0.08, 0.001);
  const max = Math.max(...out);
  const exps = Array.from(out, (v) => Math.fround(Math.exp(Math.fround(v - max))));
  assert.equal(exps[0], 0);
  assert.ok(exps[2] > 0);
});

test('gw * eta = 0 returns the logits unchanged (no bias, no mask); dims are checked', () => {
  const logits = gaussian(3, [2, 4, 3]);
  const out = applyLayoutBias(logits, f32([4, 3], new Float32Array(12).fill(2.5)), mask(new Array(12).fill(1), [4, 3]), 0.08, 0);
  assert.deepEqual(Array.from(out), Array.from(logits.data));
  assert.notEqual(out, logits.data, 'a copy, never the input');
  assert.throws(() => applyLayoutBias(logits, f32([3, 4]), mask(new Array(12).fill(0), [4, 3]), 1, 1), { code: 'E_LAYOUT_SHAPE' });
  assert.throws(() => applyLayoutBias(f32([4, 3]), f32([4, 3]), mask(new Array(12).fill(0), [4, 3]), 1, 1), { code: 'E_LAYOUT_SHAPE' });
});

test('maskLogits is the additive form of the mask: applying it by hand equals applyLayoutBias', () => {
  const logits = gaussian(4, [2, 3, 2]);
  const wPos = f32([3, 2], Float32Array.from([2.5, 0, 0, 0, 2.5, 0]));
  const negMask = mask([0, 0, 1, 0, 0, 0], [3, 2]);
  const additive = maskLogits(negMask);
  assert.deepEqual(Array.from(additive.data), [0, 0, LAYOUT_MASK_LOGIT, 0, 0, 0]);
  const b = 0.1 * 2 * unbiasedStd(logits.data);
  const byHand = logits.data.map((v, i) => v + b * wPos.data[i % 6] + additive.data[i % 6]);
  const out = applyLayoutBias(logits, wPos, negMask, 0.1, 2);
  out.forEach((v, i) => assert.ok(Math.abs(v - byHand[i]) < 1e-4));
});
