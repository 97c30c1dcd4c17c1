/** Binary-mask morphology and connected-component labelling on small row-major [H, W] masks. */

/** 3x3 dilation (value 1 where any 8-neighbour or the pixel itself is set). */
export function dilate(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let dy = -1; dy <= 1 && !on; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && mask[yy * width + xx]) { on = 1; break; }
        }
      }
      out[y * width + x] = on;
    }
  }
  return out;
}

/** 3x3 erosion; pixels beyond the border count as set, so objects touching the edge are not eaten away. */
export function erode(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 1;
      for (let dy = -1; dy <= 1 && on; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && !mask[yy * width + xx]) { on = 0; break; }
        }
      }
      out[y * width + x] = on;
    }
  }
  return out;
}

/** Morphological closing with a 3x3 square: bridges 1-pixel gaps (anti-aliased seams, checker corners). */
export function close3(mask: Uint8Array, width: number, height: number): Uint8Array {
  return erode(dilate(mask, width, height), width, height);
}

export interface Components {
  /** [H, W]: component index, or -1 outside the mask. */
  labels: Int32Array;
  /** Pixel indices (y * W + x) of each component. */
  pixels: number[][];
}

/** Connected components of the set pixels, 4- or 8-connected, in raster order of their first pixel. */
export function labelComponents(mask: Uint8Array, width: number, height: number, connectivity: 4 | 8): Components {
  const labels = new Int32Array(mask.length).fill(-1);
  const pixels: number[][] = [];
  const steps = connectivity === 4 ? [[0, -1], [0, 1], [-1, 0], [1, 0]] : [[0, -1], [0, 1], [-1, 0], [1, 0], [-1, -1], [1, -1], [-1, 1], [1, 1]];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start] >= 0) continue;
    const id = pixels.length;
    const members: number[] = [];
    const stack = [start];
    labels[start] = id;
    while (stack.length) {
      const p = stack.pop()!;
      members.push(p);
      const x = p % width;
      const y = (p - x) / width;
      for (const [dx, dy] of steps) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
        const q = yy * width + xx;
        if (mask[q] && labels[q] < 0) {
          labels[q] = id;
          stack.push(q);
        }
      }
    }
    pixels.push(members.sort((a, b) => a - b));
  }
  return { labels, pixels };
}
