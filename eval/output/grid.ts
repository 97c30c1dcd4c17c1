/**
 * A PNG contact sheet of generated images: one row per condition, one column per sample, each tile upscaled with
 * nearest neighbour and the requested boxes outlined in their subject's palette colour (1 px, after upscaling).
 */
import sharp from 'sharp';
import type { Box } from '../../diffusion/layout';
import type { RgbImage } from '../../diffusion/image/encode';
import { COLOURS, type ColourName } from '../detect/palette';

export interface GridTile {
  image: RgbImage;
  boxes: { box: Box; colour: ColourName }[];
}

const GAP = 4;

export async function gridPng(rows: GridTile[][], scale = 2): Promise<Buffer> {
  const tw = Math.max(...rows.flat().map((t) => t.image.width)) * scale;
  const th = Math.max(...rows.flat().map((t) => t.image.height)) * scale;
  const cols = Math.max(...rows.map((r) => r.length));
  const W = cols * (tw + GAP) + GAP;
  const H = rows.length * (th + GAP) + GAP;
  const out = new Uint8Array(W * H * 3).fill(255);
  const put = (x: number, y: number, c: readonly number[]): void => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    out.set(c.slice(0, 3), (y * W + x) * 3);
  };
  rows.forEach((row, r) => row.forEach((tile, k) => {
    const ox = GAP + k * (tw + GAP);
    const oy = GAP + r * (th + GAP);
    const { image } = tile;
    for (let y = 0; y < image.height * scale; y++) {
      for (let x = 0; x < image.width * scale; x++) {
        const p = (Math.floor(y / scale) * image.width + Math.floor(x / scale)) * 3;
        put(ox + x, oy + y, [image.data[p], image.data[p + 1], image.data[p + 2]]);
      }
    }
    for (const { box, colour } of tile.boxes) {
      const [x0, y0, x1, y1] = [box[0] * tw, box[1] * th, box[2] * tw - 1, box[3] * th - 1].map(Math.round);
      for (let x = x0; x <= x1; x++) { put(ox + x, oy + y0, COLOURS[colour]); put(ox + x, oy + y1, COLOURS[colour]); }
      for (let y = y0; y <= y1; y++) { put(ox + x0, oy + y, COLOURS[colour]); put(ox + x1, oy + y, COLOURS[colour]); }
    }
  }));
  return sharp(Buffer.from(out), { raw: { width: W, height: H, channels: 3 } }).png({ compressionLevel: 9, palette: false }).toBuffer();
}
