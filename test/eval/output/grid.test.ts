import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { gridPng } from '../../../eval/output/grid';

test('grid: rows x columns of upscaled tiles with box outlines in the subject colour', async () => {
  const tile = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(200) };
  const png = await gridPng([[{ image: tile, boxes: [{ box: [0, 0, 0.5, 0.5], colour: 'red' }] }, { image: tile, boxes: [] }], [{ image: tile, boxes: [] }]], 2);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  // 2 columns of 16 px + 3 gaps of 4 px; 2 rows likewise
  assert.deepEqual([info.width, info.height], [44, 44]);
  const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  assert.deepEqual(px(4, 4), [215, 35, 35], 'outline corner at the tile origin');
  assert.deepEqual(px(4 + 7, 4 + 3), [215, 35, 35], 'right edge of the half-size box (x = 8 * 2 / 2 - 1)');
  assert.deepEqual(px(4 + 3, 4 + 3), [200, 200, 200], 'inside the box: the image');
  assert.deepEqual(px(2, 2), [255, 255, 255], 'gap');
  assert.deepEqual(px(24 + 5, 24 + 5), [255, 255, 255], 'missing tile in row 2 stays blank');
});
