/**
 * Inpainting masks: [height, width] row-major in [0, 1], 1 = repaint, 0 = keep. Made from an image channel or from
 * layout regions (so the box a subject is placed in is also the region repainted), and brought to the latent grid
 * by area averaging, which leaves a soft one-cell edge where the mask crosses a latent cell.
 */
import { ModelError } from '../errors';
import type { RgbImage } from './encode';

export interface ImageMask {
  width: number;
  height: number;
  /** [height, width] in [0, 1] */
  data: Float32Array;
}

export type MaskChannel = 'red' | 'green' | 'blue' | 'luminance';

/** A channel of an 8-bit image / 255 (luminance: Rec. 601 weights); `invert` swaps keep and repaint. */
export function maskFromImage(image: RgbImage, channel: MaskChannel, invert = false): ImageMask {
  const n = image.width * image.height;
  const data = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const [r, g, b] = [image.data[p * 3], image.data[p * 3 + 1], image.data[p * 3 + 2]];
    const v = channel === 'red' ? r : channel === 'green' ? g : channel === 'blue' ? b : 0.299 * r + 0.587 * g + 0.114 * b;
    data[p] = invert ? 1 - v / 255 : v / 255;
  }
  return { width: image.width, height: image.height, data };
}

/** The union of binary regions ([height, width], 1 inside), e.g. rasterised layout subjects. */
export function maskFromRegions(regions: readonly Uint8Array[], width: number, height: number, invert = false): ImageMask {
  const data = new Float32Array(width * height);
  for (const region of regions) for (let p = 0; p < data.length; p++) if (region[p]) data[p] = 1;
  if (invert) for (let p = 0; p < data.length; p++) data[p] = 1 - data[p];
  return { width, height, data };
}

/**
 * The mask on the latent grid [h, w]: each cell is the mean of the mask pixels whose centres fall in the cell's span
 * (any mask size works; it is normally the image size, h x f by w x f).
 */
export function latentMask(mask: ImageMask, h: number, w: number): Float32Array {
  if (mask.width < w || mask.height < h) {
    throw new ModelError('E_MASK_SIZE', `Expected a mask of at least the latent size ${w}x${h} but received ${mask.width}x${mask.height}.`, {
      hint: 'Make the mask at the image size (ImageToMask of the input image, or MaskFromLayout).',
    });
  }
  const out = new Float32Array(h * w); // [h, w]
  const count = new Float32Array(h * w);
  for (let y = 0; y < mask.height; y++) {
    const cy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / mask.height));
    for (let x = 0; x < mask.width; x++) {
      const cell = cy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / mask.width));
      out[cell] += mask.data[y * mask.width + x];
      count[cell]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= count[i];
  return out;
}
