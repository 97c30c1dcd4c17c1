import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignCornersSamples } from '../../../diffusion/layout/bilinear';

test('align_corners=True maps the first and last outputs onto the first and last inputs', () => {
  const s = alignCornersSamples(9, 5); // scale 2: exact source positions 0, 2, 4, 6, 8
  assert.deepEqual(s.map((x) => x.i0), [0, 2, 4, 6, 8]);
  assert.ok(s.every((x) => x.l1 === 0 && x.l0 === 1));
  assert.deepEqual(alignCornersSamples(5, 1), [{ i0: 0, i1: 1, l0: 1, l1: 0 }]);
});

test('weights are the fractional source position: 4 -> 7 gives src = i / 2', () => {
  const s = alignCornersSamples(4, 7);
  assert.deepEqual(s.map((x) => [x.i0, x.l1]), [[0, 0], [0, 0.5], [1, 0], [1, 0.5], [2, 0], [2, 0.5], [3, 0]]);
  assert.equal(s[6].i1, 3, 'the last pixel has no right neighbour');
});

test('float32 source arithmetic as in PyTorch: 512 -> 64 at i = 27 lands just below 219', () => {
  // Exact: 27 * 511 / 63 = 219. float32(511 / 63) * 27 rounds to 218.99998..., so pixel 218 keeps weight 2^-16.
  const s = alignCornersSamples(512, 64)[27];
  assert.equal(s.i0, 218);
  assert.equal(s.l0, 2 ** -16);
  // 512 -> 8 has the exact integer 73 * 7 = 511 at the end, represented exactly: one neighbour only.
  assert.deepEqual(alignCornersSamples(512, 8)[7], { i0: 511, i1: 511, l0: 1, l1: 0 });
});
