import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyShape, close3, hullArea, labelComponents, pixelStats, shapeFeatures } from '../../../eval/detect';

const W = 16;
function pixels(test: (x: number, y: number) => boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (test(x, y)) out.push(y * W + x);
  return out;
}

test('a solid rectangle: fill 1, solidity 1, centroid in the middle, hull = its area', () => {
  const rect = pixels((x, y) => x >= 2 && x < 12 && y >= 3 && y < 8);
  assert.equal(hullArea(rect, W), 50);
  const f = shapeFeatures(rect, W);
  assert.equal(f.fill, 1);
  assert.equal(f.solidity, 1);
  assert.equal(f.centroidY, 0.5);
  assert.equal(f.aspect, 2);
  assert.deepEqual(pixelStats(rect, W).box, [2, 3, 12, 8]);
  assert.deepEqual(pixelStats(rect, W).centroid, [7, 5.5]);
});

test('an L shape: solidity below 1 (hull covers the notch), and a triangle is bottom-heavy', () => {
  const l = pixels((x, y) => (x < 4 && y < 12) || (y >= 8 && y < 12 && x < 12));
  const f = shapeFeatures(l, W);
  assert.equal(l.length, 4 * 12 + 8 * 4);
  assert.ok(f.solidity < 0.8 && f.solidity > 0.5, `solidity ${f.solidity}`);
  const tri = pixels((x, y) => y < 14 && Math.abs(x + 0.5 - 8) <= (y + 0.5) / 2);
  assert.ok(shapeFeatures(tri, W).centroidY > 0.6);
  assert.equal(classifyShape(shapeFeatures(tri, W)).shape, 'triangle');
  assert.equal(classifyShape({ fill: 1, solidity: 1, centroidY: 0.5, aspect: 1 }).shape, 'square');
  assert.equal(classifyShape({ fill: 0.45, solidity: 0.6, centroidY: 0.55, aspect: 1 }).shape, 'star');
  assert.equal(classifyShape({ fill: 0.77, solidity: 0.95, centroidY: 0.5, aspect: 1 }).shape, 'circle');
});

test('components: 4- vs 8-connectivity on a diagonal, and closing bridges a 1 px gap', () => {
  const diag = new Uint8Array(W * W);
  diag[0] = 1; diag[W + 1] = 1;
  assert.equal(labelComponents(diag, W, W, 4).pixels.length, 2);
  assert.equal(labelComponents(diag, W, W, 8).pixels.length, 1);
  const gap = new Uint8Array(W * W);
  for (let y = 4; y < 8; y++) { for (let x = 2; x < 6; x++) gap[y * W + x] = 1; for (let x = 7; x < 11; x++) gap[y * W + x] = 1; }
  assert.equal(labelComponents(gap, W, W, 8).pixels.length, 2);
  assert.equal(labelComponents(close3(gap, W, W), W, W, 8).pixels.length, 1);
});
