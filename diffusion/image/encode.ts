import sharp from 'sharp';
import { ModelError } from '../errors';
import type { F32Tensor } from '../tensor';
import { writePngText } from './png-text';

/** An 8-bit interleaved RGB image. */
export interface RgbImage {
  width: number;
  height: number;
  /** [H, W, 3] row-major */
  data: Uint8Array;
}

/**
 * VAE output [1, 3, H, W] in [-1, 1] -> 8-bit RGB, as diffusers does: (x / 2 + 0.5) clamped to [0, 1], * 255, rounded.
 */
export function tensorToRgb(sample: F32Tensor, index = 0): RgbImage {
  if (sample.dims.length !== 4 || sample.dims[1] !== 3) {
    throw new ModelError('E_IMAGE_SHAPE', `Expected an image tensor [B, 3, H, W] but received [${sample.dims.join(', ')}].`);
  }
  const [, , height, width] = sample.dims;
  const plane = height * width;
  const base = index * 3 * plane;
  const data = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      const v = sample.data[base + c * plane + p] / 2 + 0.5;
      data[p * 3 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return { width, height, data };
}

/** PNG bytes of an RGB image, optionally upscaled (nearest, so pixels stay honest) and with text entries embedded. */
export async function encodePng(image: RgbImage, opts: { text?: Record<string, string>; scale?: number } = {}): Promise<Buffer> {
  let pipeline = sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } });
  if (opts.scale && opts.scale !== 1) {
    pipeline = pipeline.resize(image.width * opts.scale, image.height * opts.scale, { kernel: 'nearest' });
  }
  const png = await pipeline.png({ compressionLevel: 6 }).toBuffer();
  return opts.text ? writePngText(png, opts.text) : png;
}
