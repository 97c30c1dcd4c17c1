/**
 * The shape of a patterned custom subject, read from its silhouette instead of its colour's pixels.
 *
 * The detector classifies each colour's own pixels (./detect.ts), which splits a checkered circle into cells and a
 * striped square into bars: each piece is then "a square" or "a triangle" whatever the drawn outline. Here the
 * subject is one region:
 *
 *   mask        pixels of the subject's colour, plus the pattern's white for checkered / striped subjects
 *   closing     a (2r+1) x (2r+1) closing bridges what the pattern cuts out where the background shows through (on a
 *               white background the white cells are background): r = 3 for 5 px checker cells, 2 for 3 px stripes
 *               (data.py _pattern), 1 for the hole (a closing of a star would fill its notches)
 *   region      the 8-connected component holding the most pixels of the subject's colour
 *   holes       background enclosed by the region is filled (the star's hole, white cells inside the outline)
 *
 * and the region is classified like any object (./classify.ts). Convex outlines (circle, square) are unchanged by
 * the closing; ground-truth renders of the three subjects on the three backgrounds are classified right (test).
 */
import { classifyShape } from './classify';
import { dilate, erode, labelComponents } from './components';
import { LABEL_WHITE, type Detection } from './detect';
import { shapeFeatures } from './features';
import { COLOUR_NAMES, type ColourName, type PatternKind, type ShapeName } from './palette';

/** Closing radius in pixels per pattern (see the header). */
export const SILHOUETTE_CLOSING: Record<PatternKind, number> = { checkered: 3, striped: 2, hole: 1 };
/** Fewer pixels of the subject's colour than this: no silhouette (the detector's MIN_OBJECT_AREA). */
const MIN_COLOUR_PIXELS = 12;

/** Pixel indices (y * W + x) of the subject's silhouette; null when its colour is (almost) absent. */
export function silhouette(detection: Detection, colour: ColourName, pattern: PatternKind): number[] | null {
  const { width, height, labels } = detection;
  const ci = COLOUR_NAMES.indexOf(colour);
  const withWhite = pattern !== 'hole';
  let mask: Uint8Array = Uint8Array.from(labels, (l) => (l === ci || (withWhite && l === LABEL_WHITE) ? 1 : 0));
  const r = SILHOUETTE_CLOSING[pattern];
  for (let i = 0; i < r; i++) mask = dilate(mask, width, height);
  for (let i = 0; i < r; i++) mask = erode(mask, width, height);
  const components = labelComponents(mask, width, height, 8);
  let best: number[] | null = null;
  let bestOwn = MIN_COLOUR_PIXELS - 1;
  for (const pixels of components.pixels) {
    const own = pixels.reduce((s, p) => s + (labels[p] === ci ? 1 : 0), 0);
    if (own > bestOwn) { bestOwn = own; best = pixels; }
  }
  return best ? fillHoles(best, width, height) : null;
}

/** The silhouette's shape by the detector's classifier; null when the colour is absent. */
export function silhouetteShape(detection: Detection, colour: ColourName, pattern: PatternKind): ShapeName | null {
  const pixels = silhouette(detection, colour, pattern);
  return pixels ? classifyShape(shapeFeatures(pixels, detection.width)).shape : null;
}

/** The region plus every pixel not reachable from the image border without crossing it (4-connected). */
function fillHoles(region: readonly number[], width: number, height: number): number[] {
  const inside = new Uint8Array(width * height);
  for (const p of region) inside[p] = 1;
  const outside = new Uint8Array(width * height);
  const stack: number[] = [];
  const seed = (p: number): void => {
    if (!inside[p] && !outside[p]) { outside[p] = 1; stack.push(p); }
  };
  for (let x = 0; x < width; x++) { seed(x); seed((height - 1) * width + x); }
  for (let y = 0; y < height; y++) { seed(y * width); seed(y * width + width - 1); }
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % width;
    const y = (p - x) / width;
    if (x > 0) seed(p - 1);
    if (x < width - 1) seed(p + 1);
    if (y > 0) seed(p - width);
    if (y < height - 1) seed(p + width);
  }
  const filled: number[] = [];
  for (let p = 0; p < inside.length; p++) if (!outside[p]) filled.push(p);
  return filled;
}
