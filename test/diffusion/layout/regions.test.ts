import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rasteriseBox, rasteriseSubjects, resizeNearest, validateBox } from '../../../diffusion/layout/regions';

const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

test('a box covers the pixels whose centres fall in [x0, x1) x [y0, y1)', () => {
  // 10x10 image, box [0.2, 0.5, 0.6, 1]: columns with centres 0.25..0.55 (x = 2..5), rows 0.55..0.95 (y = 5..9).
  const mask = rasteriseBox([0.2, 0.5, 0.6, 1], 10, 10);
  assert.equal(count(mask), 4 * 5);
  assert.equal(mask[5 * 10 + 2], 1);
  assert.equal(mask[5 * 10 + 6], 0);
  assert.equal(mask[4 * 10 + 2], 0);
});

test('abutting boxes share no pixel and together tile the image', () => {
  const left = rasteriseBox([0, 0, 0.5, 1], 7, 9);
  const right = rasteriseBox([0.5, 0, 1, 1], 7, 9);
  for (let i = 0; i < left.length; i++) assert.equal(left[i] + right[i], 1);
});

test('subjects default to strength 2.5 and free-form masks are resized with nearest neighbour', () => {
  const [box, free] = rasteriseSubjects([
    { phrase: 'dog', box: [0, 0, 0.5, 0.5] },
    { phrase: 'mug', mask: Uint8Array.from([0, 255, 0, 0]), width: 2, height: 2, strength: 3 },
  ], 4, 4);
  assert.equal(box.strength, 2.5);
  assert.equal(count(box.mask), 4);
  assert.equal(free.strength, 3);
  assert.deepEqual(Array.from(free.mask), [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('nearest resize samples pixel centres (PIL NEAREST) and never blends', () => {
  const src = Uint8Array.from([1, 2, 3]);
  assert.deepEqual(Array.from(resizeNearest(src, 1, 3, 1, 6)), [1, 1, 2, 2, 3, 3]);
  assert.deepEqual(Array.from(resizeNearest(src, 1, 3, 1, 2)), [1, 3]); // centres 0.75 and 2.25
});

test('invalid boxes raise E_LAYOUT_BOX naming the phrase and the box', () => {
  for (const box of [[0.5, 0, 0.4, 1], [0, 0, 1.2, 1], [0, 0.3, 1, 0.3], [Number.NaN, 0, 1, 1]] as const) {
    assert.throws(() => validateBox('red mug', box), (err: Error & { code: string }) => {
      assert.equal(err.code, 'E_LAYOUT_BOX');
      assert.match(err.message, /"red mug"/);
      assert.ok(err.message.includes(JSON.stringify(box)));
      return true;
    });
  }
});

test('empty regions, wrong mask sizes and bad strengths are coded errors', () => {
  assert.throws(() => rasteriseSubjects([{ phrase: 'ant', box: [0.5, 0.5, 0.51, 0.51] }], 10, 10), { code: 'E_LAYOUT_REGION_EMPTY' });
  assert.throws(
    () => rasteriseSubjects([{ phrase: 'ant', mask: new Uint8Array(4), width: 2, height: 2 }], 4, 4),
    { code: 'E_LAYOUT_REGION_EMPTY' },
  );
  assert.throws(
    () => rasteriseSubjects([{ phrase: 'ant', mask: new Uint8Array(3), width: 2, height: 2 }], 4, 4),
    { code: 'E_LAYOUT_MASK_SIZE' },
  );
  assert.throws(
    () => rasteriseSubjects([{ phrase: 'ant', box: [0, 0, 1, 1], strength: Number.POSITIVE_INFINITY }], 4, 4),
    { code: 'E_LAYOUT_STRENGTH' },
  );
  assert.throws(() => rasteriseSubjects([], 0, 4), { code: 'E_LAYOUT_SIZE' });
});
