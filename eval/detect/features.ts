/**
 * Shape features of one detected object (a set of pixels), the inputs of ./classify.ts. Each separates the four
 * shapes for a geometric reason (values for ideal shapes in brackets: circle / square / triangle / star):
 *
 *   fill       area / bounding-box area           [pi/4 = 0.79 / 1 / 0.5 / ~0.35]
 *   solidity   area / convex-hull area            [1 / 1 / 1 / 0.56]  (star: 5 * 0.45 r^2 sin 36deg vs its pentagon hull)
 *   centroidY  centroid height within the box     [0.5 / 0.5 / 0.67 / ~0.53]  (0 top, 1 bottom; triangles are bottom-heavy)
 *   aspect     box width / height                 [1 / 1 / 1 / ~1.05]
 */
export interface ShapeFeatures {
  fill: number;
  solidity: number;
  centroidY: number;
  aspect: number;
}

export interface PixelStats {
  area: number;
  /** [x0, y0, x1, y1] in pixels, exclusive max. */
  box: [number, number, number, number];
  /** Centroid in pixel coordinates (pixel centres at +0.5). */
  centroid: [number, number];
}

export function pixelStats(pixels: readonly number[], width: number): PixelStats {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, sx = 0, sy = 0;
  for (const p of pixels) {
    const x = p % width;
    const y = (p - x) / width;
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    sx += x + 0.5; sy += y + 0.5;
  }
  return { area: pixels.length, box: [x0, y0, x1, y1], centroid: [sx / pixels.length, sy / pixels.length] };
}

/** Area of the convex hull of the pixels' squares (their corners), by Andrew's monotone chain. */
export function hullArea(pixels: readonly number[], width: number): number {
  // Only the leftmost and rightmost pixel of each row can contribute hull corners.
  const rows = new Map<number, [number, number]>();
  for (const p of pixels) {
    const x = p % width;
    const y = (p - x) / width;
    const r = rows.get(y);
    if (!r) rows.set(y, [x, x]);
    else { r[0] = Math.min(r[0], x); r[1] = Math.max(r[1], x); }
  }
  const pts: [number, number][] = [];
  for (const [y, [lo, hi]] of rows) pts.push([lo, y], [lo, y + 1], [hi + 1, y], [hi + 1, y + 1]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: number[], a: number[], b: number[]): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: [number, number][]): [number, number][] => {
    const h: [number, number][] = [];
    for (const p of list) {
      while (h.length >= 2 && cross(h[h.length - 2], h[h.length - 1], p) <= 0) h.pop();
      h.push(p);
    }
    h.pop();
    return h;
  };
  const hull = [...half(pts), ...half([...pts].reverse())];
  let twice = 0;
  for (let i = 0; i < hull.length; i++) {
    const [xa, ya] = hull[i];
    const [xb, yb] = hull[(i + 1) % hull.length];
    twice += xa * yb - xb * ya;
  }
  return Math.max(Math.abs(twice) / 2, 1);
}

export function shapeFeatures(pixels: readonly number[], width: number, stats: PixelStats = pixelStats(pixels, width)): ShapeFeatures {
  const [x0, y0, x1, y1] = stats.box;
  const w = x1 - x0;
  const h = y1 - y0;
  return {
    fill: stats.area / (w * h),
    solidity: stats.area / hullArea(pixels, width),
    centroidY: (stats.centroid[1] - y0) / h,
    aspect: w / h,
  };
}
