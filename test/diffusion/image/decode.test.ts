import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { test } from 'node:test';
import sharp from 'sharp';
import { readRgbImage, resizeRgb, rgbToTensor } from '../../../diffusion/image/decode';
import { tensorToRgb } from '../../../diffusion/image/encode';
import { scratchDir } from '../../helpers/scratch';

const dir = scratchDir('decode');
/** 8 x 4 RGB: left half red, right half blue. */
const raw = Buffer.alloc(8 * 4 * 3);
for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) raw.set(x < 4 ? [255, 0, 0] : [0, 0, 255], (y * 8 + x) * 3);
const source = () => sharp(raw, { raw: { width: 8, height: 4, channels: 3 } });

test('PNG, JPEG and WebP files decode to RGB; alpha is dropped', async () => {
  const files = {
    png: await source().png().toBuffer(), jpeg: await source().jpeg({ quality: 100 }).toBuffer(),
    webp: await source().webp({ lossless: true }).toBuffer(), rgbaPng: await source().ensureAlpha().png().toBuffer(),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(dir, `${name}.img`);
    writeFileSync(path, bytes);
    const img = await readRgbImage(path);
    assert.equal(img.width, 8, name);
    assert.equal(img.height, 4, name);
    assert.equal(img.data.length, 8 * 4 * 3, name);
    const tol = name === 'jpeg' ? 40 : 0;
    assert.ok(Math.abs(img.data[0] - 255) <= tol && Math.abs(img.data[2] - 0) <= tol, `${name}: left is red`);
    assert.ok(Math.abs(img.data[7 * 3 + 2] - 255) <= tol, `${name}: right is blue`);
  }
});

test('not an image, another format, or a canvas over the pixel limit is E_IMAGE_READ', async () => {
  const text = join(dir, 'notes.png');
  writeFileSync(text, 'not an image');
  const gif = join(dir, 'anim.gif');
  writeFileSync(gif, await source().gif().toBuffer());
  // A valid 1-pixel-high PNG header declaring a 100000 x 100000 canvas: refused before decoding allocates it.
  const huge = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
  huge.writeUInt32BE(100_000, 16);
  huge.writeUInt32BE(100_000, 20);
  huge.writeUInt32BE(crc32(huge.subarray(12, 29)) >>> 0, 29); // IHDR's CRC stays valid: the pixel limit refuses it
  const hugePath = join(dir, 'huge.png');
  writeFileSync(hugePath, huge);
  for (const path of [text, gif, hugePath]) {
    await assert.rejects(readRgbImage(path), (e: { code?: string }) => e.code === 'E_IMAGE_READ', path);
  }
  await assert.rejects(readRgbImage(hugePath), /pixel/i);
});

test('rgbToTensor inverts tensorToRgb; resizeRgb gives the requested size', async () => {
  const img = { width: 8, height: 4, data: new Uint8Array(raw) };
  const back = tensorToRgb(rgbToTensor(img));
  assert.deepEqual(back.data, img.data);
  const big = await resizeRgb(img, 16, 12);
  assert.equal(big.width, 16);
  assert.equal(big.height, 12);
  assert.equal(big.data.length, 16 * 12 * 3);
});
