import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTokenWeightMaps, denseWeightMaps, isNegative, positiveWeight } from '../../../diffusion/layout/weight-maps';

// 2x3 image; mug on the left column, dog on the right two columns. Prompt "a mug and a dog" with BOS at 0:
// mug at 2, dog at 5, sequence length 8.
const mug = { phrase: 'mug', positions: [2], mask: Uint8Array.from([1, 0, 0, 1, 0, 0]), strength: 2.5 };
const dog = { phrase: 'dog', positions: [5, 6], mask: Uint8Array.from([0, 1, 1, 0, 1, 1]), strength: 3 };

test('subject tokens get +strength inside their region and a hard negative everywhere else', () => {
  const maps = buildTokenWeightMaps([mug, dog], 8, 2, 3);
  assert.equal(positiveWeight(maps, 2, 1, 0), 2.5);
  assert.equal(positiveWeight(maps, 2, 1, 1), 0);
  assert.equal(isNegative(maps, 2, 1, 1), true, 'mug token over the dog region');
  assert.equal(isNegative(maps, 2, 0, 0), false);
  assert.equal(positiveWeight(maps, 6, 0, 2), 3, 'every token of a multi-token phrase');
  assert.equal(isNegative(maps, 6, 0, 0), true);
});

test('other tokens (BOS, EOS, padding, plain words) are 0 and never masked', () => {
  const { wPos, negMask } = denseWeightMaps(buildTokenWeightMaps([mug, dog], 8, 2, 3));
  assert.deepEqual(wPos.dims, [8, 2, 3]);
  for (const l of [0, 1, 3, 4, 7]) {
    for (let i = 0; i < 6; i++) {
      assert.equal(wPos.data[l * 6 + i], 0);
      assert.equal(negMask[l * 6 + i], 0);
    }
  }
  assert.deepEqual(Array.from(wPos.data.subarray(2 * 6, 3 * 6)), [2.5, 0, 0, 2.5, 0, 0]);
  assert.deepEqual(Array.from(negMask.subarray(5 * 6, 6 * 6)), [1, 0, 0, 1, 0, 0]);
});

test('bad positions, shared positions and wrong mask sizes are coded errors', () => {
  assert.throws(() => buildTokenWeightMaps([{ ...mug, positions: [8] }], 8, 2, 3), { code: 'E_LAYOUT_TOKEN_POSITION' });
  assert.throws(() => buildTokenWeightMaps([{ ...mug, positions: [1.5] }], 8, 2, 3), { code: 'E_LAYOUT_TOKEN_POSITION' });
  assert.throws(() => buildTokenWeightMaps([mug, { ...dog, positions: [2] }], 8, 2, 3), (err: Error & { code: string }) => {
    assert.equal(err.code, 'E_LAYOUT_TOKEN_CONFLICT');
    assert.match(err.message, /"mug" and "dog"/);
    return true;
  });
  assert.throws(() => buildTokenWeightMaps([{ ...mug, mask: new Uint8Array(5) }], 8, 2, 3), { code: 'E_LAYOUT_MASK_SIZE' });
  assert.throws(() => buildTokenWeightMaps([], 0, 2, 3), { code: 'E_LAYOUT_SIZE' });
});
