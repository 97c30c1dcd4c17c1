/**
 * Pasting generated pixels over a picture through a mask, in pixel space: what inpainting UIs do after decoding so
 * the kept region is the original picture exactly (the VAE decoder's image-wide normalisation shifts it slightly;
 * test/diffusion/pipeline/inpaint.test.ts). The mask edge is feathered with a separable box blur applied twice (a
 * close approximation of a Gaussian), so the seam is a soft ramp instead of a step.
 */
import { ModelError } from '../errors';
import type { RgbImage } from './encode';
import type { ImageMask } from './mask';

/** out = m * top + (1 - m) * base, m = the mask (resampled to the image by nearest pixel centre) feathered by `radius` px. */
export function compositeMasked(top: RgbImage, base: RgbImage, mask: ImageMask, radius: number): RgbImage {
  if (top.width !== base.width || top.height !== base.height) {
    throw new ModelError('E_MASK_SIZE', `Expected the two images of a composite to have one size but received ` +
      `${top.width}x${top.height} and ${base.width}x${base.height}.`, { hint: 'ResizeImage one of them first.' });
  }
  const { width, height } = top;
  let m: Float32Array = new Float32Array(width * height); // [H, W]
  for (let y = 0; y < height; y++) {
    const sy = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / height));
    for (let x = 0; x < width; x++) {
      m[y * width + x] = mask.data[sy * mask.width + Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / width))];
    }
  }
  const r = Math.max(0, Math.round(radius));
  for (let pass = 0; pass < 2 && r > 0; pass++) m = boxBlur(boxBlur(m, width, height, r, true), width, height, r, false);
  const data = new Uint8Array(top.data.length);
  for (let p = 0; p < m.length; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round(m[p] * top.data[p * 3 + c] + (1 - m[p]) * base.data[p * 3 + c]);
  }
  return { width, height, data };
}

/** Mean over a (2r + 1) window along rows (horizontal) or columns, the window clipped at the border. */
function boxBlur(src: Float32Array, width: number, height: number, r: number, horizontal: boolean): Float32Array {
  const out = new Float32Array(src.length);
  const [outer, inner] = horizontal ? [height, width] : [width, height];
  const at = (o: number, i: number) => (horizontal ? o * width + i : i * width + o);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let sum = 0, n = 0;
      for (let k = Math.max(0, i - r); k <= Math.min(inner - 1, i + r); k++) { sum += src[at(o, k)]; n++; }
      out[at(o, i)] = sum / n;
    }
  }
  return out;
}
