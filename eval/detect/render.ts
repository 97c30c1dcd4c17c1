/**
 * A ground-truth rasteriser for the shapes world, written from the geometry in training/data.py (shape_mask, render,
 * make_sample) so the detector can be validated in TypeScript without Python: the same four shapes at random sizes,
 * positions, colours and backgrounds, drawn at SUPERSAMPLE x resolution and box-filtered down (anti-aliased edges,
 * as data.py does with PIL's BOX resize).
 *
 * Geometry (s = size / 2, centre (cx, cy), pixel units of the 64x64 image):
 *   circle    disc of radius s
 *   square    axis-aligned square of half-side 0.9 s
 *   triangle  apex (cx, cy - s), base corners (cx -/+ s, cy + s)
 *   star      5 points, outer radius 1.05 s, inner 0.45 of it, centred at (cx, cy + 0.08 s), first point up
 */
import type { RgbImage } from '../../diffusion/image/encode';
import type { Rng } from '../random';
import { BACKGROUND_NAMES, BACKGROUNDS, COLOUR_NAMES, COLOURS, PATTERN_WHITE, SHAPES, type BackgroundName, type ColourName, type PatternKind, type Rgb, type ShapeName } from './palette';

/** data.py SIZE, SS, SIZE_MIN, SIZE_MAX, NUM_OBJ_P */
export const IMAGE_SIZE = 64;
const SUPERSAMPLE = 4;
export const OBJECT_SIZE_RANGE = [14, 28] as const;
const OBJECT_COUNT_P = [0.3, 0.35, 0.25, 0.1];

export interface SceneObject {
  shape: ShapeName;
  colour: ColourName;
  cx: number;
  cy: number;
  size: number;
  pattern?: PatternKind;
  /** Offset [x, y] in pixels of the checkered / striped pattern (data.py draws a random one; default [0, 0]). */
  phase?: readonly [number, number];
}

export interface RenderedScene {
  image: RgbImage;
  background: BackgroundName;
  objects: SceneObject[];
  /** Pixel boxes [x0, y0, x1, y1] of each object's drawn area (exclusive max). */
  boxes: [number, number, number, number][];
}

type Inside = (x: number, y: number) => boolean;

function polygon(points: readonly (readonly [number, number])[]): Inside {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [xi, yi] = points[i];
      const [xj, yj] = points[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}

export function starPoints(cx: number, cy: number, r: number): [number, number][] {
  const inner = 0.45;
  return Array.from({ length: 10 }, (_, i) => {
    const rr = i % 2 === 0 ? r : r * inner;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    return [cx + rr * Math.cos(a), cy + rr * Math.sin(a)];
  });
}

export function shapeTest(shape: ShapeName, cx: number, cy: number, size: number): Inside {
  const s = size / 2;
  switch (shape) {
    case 'circle':
      return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= s * s;
    case 'square':
      return (x, y) => Math.abs(x - cx) <= 0.9 * s && Math.abs(y - cy) <= 0.9 * s;
    case 'triangle':
      return polygon([[cx, cy - s], [cx - s, cy + s], [cx + s, cy + s]]);
    case 'star':
      return polygon(starPoints(cx, cy + 0.08 * s, 1.05 * s));
  }
}

/**
 * The fill colour at a pixel of a (possibly patterned) object: 5 px checker cells, 3 px stripes of a 6 px period
 * (data.py _pattern). The phase is `o.phase` (default 0: cell edges on pixel edges); data.py draws it at random.
 */
function fillAt(o: SceneObject, x: number, y: number): Rgb {
  const [px, py] = o.phase ?? [0, 0];
  if (o.pattern === 'checkered' && (Math.floor((x + px) / 5) + Math.floor((y + py) / 5)) % 2 === 0) return PATTERN_WHITE;
  if (o.pattern === 'striped' && (y + py) % 6 < 3) return PATTERN_WHITE;
  return COLOURS[o.colour];
}

export function renderScene(objects: readonly SceneObject[], background: BackgroundName): RenderedScene {
  const n = IMAGE_SIZE;
  const N = n * SUPERSAMPLE;
  const bg = BACKGROUNDS[background];
  const acc = new Float64Array(n * n * 3); // summed hi-res RGB per output pixel: [H, W, 3]
  const tests = objects.map((o) => shapeTest(o.shape, o.cx, o.cy, o.size));
  const holes = objects.map((o) => (o.pattern === 'hole' ? shapeTest('circle', o.cx, o.cy + o.size * 0.04, o.size * 0.34) : null));
  const boxes = objects.map(() => [Infinity, Infinity, -Infinity, -Infinity] as [number, number, number, number]);
  for (let Y = 0; Y < N; Y++) {
    for (let X = 0; X < N; X++) {
      const x = (X + 0.5) / SUPERSAMPLE;
      const y = (Y + 0.5) / SUPERSAMPLE;
      let c: Rgb = bg;
      objects.forEach((o, k) => {
        if (!tests[k](x, y)) return;
        const b = boxes[k];
        b[0] = Math.min(b[0], Math.floor(x)); b[1] = Math.min(b[1], Math.floor(y)); b[2] = Math.max(b[2], Math.floor(x) + 1); b[3] = Math.max(b[3], Math.floor(y) + 1);
        c = holes[k]?.(x, y) ? bg : fillAt(o, x, y);
      });
      const p = (Math.floor(Y / SUPERSAMPLE) * n + Math.floor(X / SUPERSAMPLE)) * 3;
      acc[p] += c[0]; acc[p + 1] += c[1]; acc[p + 2] += c[2];
    }
  }
  const data = new Uint8Array(n * n * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(acc[i] / (SUPERSAMPLE * SUPERSAMPLE));
  return { image: { width: n, height: n, data }, background, objects: [...objects], boxes };
}

/** Random centres for objects of the given sizes, mostly separated (data.py _place); null when they do not fit. */
function place(rng: Rng, sizes: readonly number[]): [number, number][] | null {
  const placed: [number, number, number][] = [];
  for (const size of sizes) {
    let ok = false;
    for (let t = 0; t < 60 && !ok; t++) {
      const r = size / 2;
      const cx = rng.uniform(r + 1, IMAGE_SIZE - r - 1);
      const cy = rng.uniform(r + 1, IMAGE_SIZE - r - 1);
      ok = placed.every(([px, py, ps]) => !(Math.abs(px - cx) < ((ps + size) / 2) * 0.95 && Math.abs(py - cy) < ((ps + size) / 2) * 0.95));
      if (ok) placed.push([cx, cy, size]);
    }
    if (!ok) return null;
  }
  return placed.map(([x, y]) => [x, y]);
}

/** One random training-like scene (data.py make_sample): 1-4 objects, distinct (shape, colour) pairs. */
export function randomScene(rng: Rng, count?: number): RenderedScene {
  for (;;) {
    let n = count;
    if (n === undefined) {
      let u = rng.next();
      n = 1;
      for (const p of OBJECT_COUNT_P) { if ((u -= p) < 0) break; n++; }
      n = Math.min(n, OBJECT_COUNT_P.length);
    }
    const sizes = Array.from({ length: n }, () => rng.uniform(...OBJECT_SIZE_RANGE)).sort((a, b) => b - a);
    const centres = place(rng, sizes);
    if (!centres) continue;
    const used = new Set<string>();
    const objects = centres.map(([cx, cy], k): SceneObject => {
      let shape: ShapeName;
      let colour: ColourName;
      do {
        shape = rng.pick(SHAPES);
        colour = rng.pick(COLOUR_NAMES);
      } while (used.has(`${shape}/${colour}`));
      used.add(`${shape}/${colour}`);
      return { shape, colour, cx, cy, size: sizes[k] };
    });
    return renderScene(objects, rng.pick(BACKGROUND_NAMES));
  }
}
