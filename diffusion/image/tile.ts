import type { RgbImage } from './encode';

/**
 * A contact sheet of same-sized images (a sampler batch), row-major on a grid of ceil(sqrt(N)) columns with a
 * `gap`-pixel dark border between tiles: [H, W, 3] each -> [rows (H + gap) + gap, cols (W + gap) + gap, 3].
 */
export function tileImages(images: readonly RgbImage[], gap = 2): RgbImage {
  const cols = Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const tw = Math.max(...images.map((i) => i.width));
  const th = Math.max(...images.map((i) => i.height));
  const width = cols * (tw + gap) + gap;
  const height = rows * (th + gap) + gap;
  const data = new Uint8Array(width * height * 3).fill(40);
  images.forEach((image, k) => {
    const ox = gap + (k % cols) * (tw + gap);
    const oy = gap + Math.floor(k / cols) * (th + gap);
    for (let y = 0; y < image.height; y++) {
      data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((oy + y) * width + ox) * 3);
    }
  });
  return { width, height, data };
}
