import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { crc32, deflateSync } from 'node:zlib';
import { MAX_PNG_TEXT_BYTES, readPngText, writePngText } from '../../../diffusion/image/png-text';
import { encodePng, tensorToRgb } from '../../../diffusion/image/encode';
import { f32 } from '../../../diffusion/tensor';

async function smallPng(): Promise<Buffer> {
  return sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer();
}

test('text entries round-trip, large ones compressed, unicode kept, and the image still decodes', async () => {
  const graph = JSON.stringify({ nodes: { p: { type: 'Text', inputs: { value: 'café ☕ '.repeat(400) } } } });
  const png = writePngText(await smallPng(), { 'cones-graph': graph, note: 'short' });
  assert.deepEqual(readPngText(png), { 'cones-graph': graph, note: 'short' });
  assert.ok(png.length < graph.length, 'the large entry was deflated');
  const meta = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(meta.info.width, 4);
  assert.deepEqual([...meta.data.subarray(0, 3)], [10, 20, 30]);
});

test('writing a keyword again replaces the old entry', async () => {
  const once = writePngText(await smallPng(), { k: 'one' });
  const twice = writePngText(once, { k: 'two' });
  assert.deepEqual(readPngText(twice), { k: 'two' });
});

test('non-PNG and truncated input give coded errors', async () => {
  assert.throws(() => readPngText(Buffer.from('not a png at all')), { code: 'E_PNG_INVALID' });
  const png = await smallPng();
  assert.throws(() => readPngText(png.subarray(0, png.length - 5)), { code: 'E_PNG_INVALID' });
  assert.throws(() => writePngText(png, { ['x'.repeat(90)]: 'v' }), { code: 'E_PNG_TEXT_KEY' });
});

test('tensorToRgb maps [-1, 1] to [0, 255] with clamping, channel-planar to interleaved', () => {
  // [1, 3, 1, 2]: pixel 0 = (-1, 0, 1), pixel 1 = (2, -3, 0.5)
  const t = f32([1, 3, 1, 2], new Float32Array([-1, 2, 0, -3, 1, 0.5]));
  const img = tensorToRgb(t);
  assert.deepEqual([...img.data], [0, 128, 255, 255, 0, 191]);
  assert.throws(() => tensorToRgb(f32([1, 4, 1, 1])), { code: 'E_IMAGE_SHAPE' });
});

test('encodePng scales with nearest neighbour and embeds text', async () => {
  const png = await encodePng({ width: 2, height: 1, data: new Uint8Array([255, 0, 0, 0, 0, 255]) }, { scale: 2, text: { a: 'b' } });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 4);
  assert.deepEqual([...data.subarray(0, 12)], [255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]);
  assert.equal(readPngText(png).a, 'b');
});

test('a compressed text entry that would inflate past the limit is refused, not inflated', async () => {
  const png = await encodePng({ width: 1, height: 1, data: new Uint8Array(3) });
  // 32 MiB of zeros deflate to ~32 KB: a "bomb" claiming twice the 16 MiB text limit.
  const bomb = Buffer.concat([Buffer.from('cones-graph\0\0', 'latin1'), deflateSync(Buffer.alloc(2 * MAX_PNG_TEXT_BYTES))]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(bomb.length, 0);
  head.write('zTXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), bomb])) >>> 0, 0);
  const iend = png.length - 12;
  const evil = Buffer.concat([png.subarray(0, iend), head, bomb, crc, png.subarray(iend)]);
  assert.ok(evil.length < 100_000);
  assert.throws(() => readPngText(evil), (e: { code?: string; message: string }) => e.code === 'E_PNG_INVALID' && /"cones-graph" is corrupt/.test(e.message));
});
