import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addResidual } from '../../../diffusion/residuals/apply';
import { f32 } from '../../../diffusion/tensor';

const L = 5;
const D = 4;
const embedding = () => f32([1, L, D], Float32Array.from({ length: L * D }, (_, i) => i)); // E[0, p, d] = p*D + d
const delta = Float32Array.from([1, -1, 0.5, 2]);

test('adds strength * Δ at the given positions only, into a new tensor', () => {
  const e = embedding();
  const out = addResidual(e, delta, [2], 0.5);
  assert.notEqual(out.data, e.data);
  assert.deepEqual(e.data, embedding().data, 'input untouched');
  assert.deepEqual(out.dims, [1, L, D]);
  for (let p = 0; p < L; p++) {
    for (let d = 0; d < D; d++) {
      const expected = p * D + d + (p === 2 ? 0.5 * delta[d] : 0);
      assert.equal(out.data[p * D + d], expected, `p=${p} d=${d}`);
    }
  }
});

test('several positions (a multi-token phrase), default strength 1, BOS position 0 allowed', () => {
  const out = addResidual(embedding(), delta, [0, 3, 4]);
  assert.deepEqual([...out.data.subarray(3 * D, 4 * D)], [13, 12, 14.5, 17]);
  assert.deepEqual([...out.data.subarray(0, D)], [1, 0, 2.5, 5]);
  assert.deepEqual([...out.data.subarray(D, 2 * D)], [4, 5, 6, 7]);
  assert.deepEqual(addResidual(embedding(), delta, []).data, embedding().data);
});

test('width, shape and position errors are coded', () => {
  assert.throws(() => addResidual(embedding(), new Float32Array(3), [1]), { code: 'E_RESIDUAL_WIDTH' });
  assert.throws(
    () => addResidual(embedding(), delta, [L]),
    (err: any) => err.code === 'E_RESIDUAL_POSITION' && /\[0, 5\)/.test(err.message),
  );
  assert.throws(() => addResidual(embedding(), delta, [-1]), { code: 'E_RESIDUAL_POSITION' });
  assert.throws(() => addResidual(embedding(), delta, [1.5]), { code: 'E_RESIDUAL_POSITION' });
  assert.throws(() => addResidual(f32([2, L, D]), delta, [1]), { code: 'E_RESIDUAL_SHAPE' });
});
