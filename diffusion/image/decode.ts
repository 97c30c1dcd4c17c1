/**
 * Images into the pipeline: an image file (PNG, JPEG, WebP) decoded to 8-bit RGB, and RGB to the [-1, 1] tensor the
 * VAE encoder takes (the inverse of encode.ts's tensorToRgb). Reads are bounded: the file by FILE_LIMITS.image
 * before a byte is read, the canvas by MAX_IMAGE_PIXELS before sharp allocates it (a small file can declare a huge
 * canvas).
 */
import sharp from 'sharp';
import { ModelError } from '../errors';
import { checkFileSize } from '../io/bounded-read';
import { f32, type F32Tensor } from '../tensor';
import type { RgbImage } from './encode';

/** 4096 x 4096: far above what a UNet takes on CPU, far below what would exhaust memory (48 MB of RGB). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp'] as const;

/** Decodes an image file or buffer to RGB (alpha dropped over black, EXIF orientation applied, sRGB). */
export async function readRgbImage(source: string | Buffer): Promise<RgbImage> {
  if (typeof source === 'string') checkFileSize(source, 'image');
  const what = typeof source === 'string' ? `"${source}"` : 'the uploaded bytes';
  let format: string | undefined;
  try {
    const img = sharp(source, { limitInputPixels: MAX_IMAGE_PIXELS });
    format = (await img.metadata()).format;
    if (!format || !(IMAGE_FORMATS as readonly string[]).includes(format)) throw new Error(`format ${format ?? 'unknown'}`);
    const { data, info } = await img.rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (cause) {
    throw new ModelError('E_IMAGE_READ', `Expected a PNG, JPEG or WebP image of at most ${MAX_IMAGE_PIXELS} pixels at ${what} ` +
      `but reading it failed: ${(cause as Error).message}.`, {
      hint: 'Check the path and the file; convert other formats to PNG first.', cause,
    });
  }
}

/** 8-bit RGB -> [1, 3, H, W] in [-1, 1] (x / 255 * 2 - 1), the VAE encoder's input. */
export function rgbToTensor(image: RgbImage): F32Tensor {
  const plane = image.width * image.height;
  const out = f32([1, 3, image.height, image.width]);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out.data[c * plane + p] = (image.data[p * 3 + c] / 255) * 2 - 1;
  }
  return out;
}

/** Lanczos resize (sharp's lanczos3) to width x height, ignoring the aspect ratio (the caller chose both sides). */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (width === image.width && height === image.height) return image;
  const { data, info } = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
