/**
 * The shapes-world detector: what is in a 64x64 image, by colour and shape.
 *
 *   background   the dominant border colour (mode of the border pixels quantised to QUANT levels, then their mean)
 *   foreground   pixels further than FOREGROUND_DISTANCE from the background
 *   colour       the palette colour (red, green, blue, yellow, purple, or the pattern white) whose mix with the
 *                background, a P + (1 - a) B with a in [0, 1], comes closest: anti-aliased and blurred edges are such
 *                mixes, and matching them to the nearest plain colour would give a blue object purple edges. Pixels
 *                less than half covered (a < MIN_COVERAGE) count as background; "other" when even the best mix is
 *                further than COLOUR_TOLERANCE (blends of two palette colours, mud)
 *   objects      per palette colour: 3x3 closing (bridges 1-pixel seams), then 8-connected components of at least
 *                MIN_OBJECT_AREA pixels; features and shape from the colour's own pixels of the component
 *   blobs        4-connected components of the foreground; a blob holding objects of two or more palette colours
 *                is a two-coloured (blended or touching) object, one of the leakage failure modes
 */
import type { RgbImage } from '../../diffusion/image/encode';
import { EVAL_CODES, EvalError } from '../codes';
import { classifyShape } from './classify';
import { close3, labelComponents } from './components';
import { pixelStats, shapeFeatures, type ShapeFeatures } from './features';
import { COLOUR_NAMES, COLOURS, PATTERN_WHITE, distance, type ColourName, type Rgb, type ShapeName } from './palette';

/** Background/foreground split: the closest pair of background and palette colours (yellow vs cream) is 177 apart. */
export const FOREGROUND_DISTANCE = 45;
/** Half the distance between the two closest palette colours (red and purple, 155 apart), rounded down. */
export const COLOUR_TOLERANCE = 75;
/** Smallest object: a 14 px star (data.py SIZE_MIN) covers ~70 px; fragments of a few pixels are noise. */
export const MIN_OBJECT_AREA = 12;
const BORDER_QUANT = 16;
/** Edge pixels less than half object are background (so boxes and areas match the drawn shape). */
export const MIN_COVERAGE = 0.5;

/** Pixel labels: palette index 0..4, then these. */
export const LABEL_BACKGROUND = -1;
export const LABEL_WHITE = COLOUR_NAMES.length;
export const LABEL_OTHER = COLOUR_NAMES.length + 1;

export interface DetectedObject {
  colour: ColourName;
  shape: ShapeName;
  /** Per-shape distances from the classifier (smaller is closer). */
  shapeDistances: Record<ShapeName, number>;
  area: number;
  box: [number, number, number, number];
  centroid: [number, number];
  features: ShapeFeatures;
  /** Index into Detection.blobs. */
  blob: number;
  pixels: number[];
}

export interface Blob {
  area: number;
  /** Distinct palette colours of the objects in it. */
  colours: ColourName[];
  /** Fraction of its pixels labelled "other" (blended colours). */
  otherFraction: number;
}

export interface Detection {
  width: number;
  height: number;
  background: Rgb;
  /** [H, W] pixel labels (see LABEL_*). */
  labels: Int8Array;
  objects: DetectedObject[];
  blobs: Blob[];
  /** Blobs with two or more palette colours. */
  twoColourBlobs: number;
  /** Fraction of foreground pixels whose colour is none of the palette (blends). */
  otherFraction: number;
}

export function dominantBorderColour(image: RgbImage): Rgb {
  const { width: w, height: h, data } = image;
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) border.push(y * w, y * w + w - 1);
  const bins = new Map<number, number[]>();
  for (const p of border) {
    const key = (Math.floor(data[p * 3] / BORDER_QUANT) << 16) | (Math.floor(data[p * 3 + 1] / BORDER_QUANT) << 8) | Math.floor(data[p * 3 + 2] / BORDER_QUANT);
    const list = bins.get(key);
    if (list) list.push(p); else bins.set(key, [p]);
  }
  const mode = [...bins.values()].reduce((a, b) => (b.length > a.length ? b : a));
  const mean = [0, 1, 2].map((c) => mode.reduce((s, p) => s + data[p * 3 + c], 0) / mode.length);
  return [mean[0], mean[1], mean[2]];
}

function checkImage(image: RgbImage): void {
  if (!(image.width > 0 && image.height > 0 && image.data.length === image.width * image.height * 3)) {
    throw new EvalError(EVAL_CODES.image, `Expected an 8-bit RGB image of ${image.width}x${image.height} (${image.width * image.height * 3} bytes) but received ${image.data.length} bytes.`, { hint: 'Convert the VAE output with tensorToRgb first.' });
  }
}

export function labelPixels(image: RgbImage, background: Rgb): Int8Array {
  const refs: Rgb[] = [...COLOUR_NAMES.map((c) => COLOURS[c]), PATTERN_WHITE];
  const dirs = refs.map((ref) => [ref[0] - background[0], ref[1] - background[1], ref[2] - background[2]]);
  const norms = dirs.map((d) => d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  const labels = new Int8Array(image.width * image.height);
  for (let p = 0; p < labels.length; p++) {
    const rgb: Rgb = [image.data[p * 3], image.data[p * 3 + 1], image.data[p * 3 + 2]];
    if (distance(rgb, background) <= FOREGROUND_DISTANCE) { labels[p] = LABEL_BACKGROUND; continue; }
    const v = [rgb[0] - background[0], rgb[1] - background[1], rgb[2] - background[2]];
    let best = LABEL_OTHER;
    let bestD = COLOUR_TOLERANCE;
    let bestA = 1;
    dirs.forEach((d, k) => {
      // a = the mix fraction closest to the pixel on the segment background -> palette colour
      const a = norms[k] > 0 ? Math.min(1, Math.max(0, (v[0] * d[0] + v[1] * d[1] + v[2] * d[2]) / norms[k])) : 1;
      const r = Math.hypot(v[0] - a * d[0], v[1] - a * d[1], v[2] - a * d[2]);
      if (r < bestD) { bestD = r; best = k; bestA = a; }
    });
    labels[p] = best !== LABEL_OTHER && bestA < MIN_COVERAGE ? LABEL_BACKGROUND : best;
  }
  return labels;
}

export function detect(image: RgbImage): Detection {
  checkImage(image);
  const { width, height } = image;
  const background = dominantBorderColour(image);
  const labels = labelPixels(image, background);
  const fg = Uint8Array.from(labels, (l) => (l === LABEL_BACKGROUND ? 0 : 1));
  const blobComponents = labelComponents(fg, width, height, 4);
  const objects: DetectedObject[] = [];
  COLOUR_NAMES.forEach((colour, ci) => {
    const own = Uint8Array.from(labels, (l) => (l === ci ? 1 : 0));
    if (!own.some((v) => v)) return;
    const groups = labelComponents(close3(own, width, height), width, height, 8);
    for (const group of groups.pixels) {
      const pixels = group.filter((p) => own[p]);
      if (pixels.length < MIN_OBJECT_AREA) continue;
      const stats = pixelStats(pixels, width);
      const features = shapeFeatures(pixels, width, stats);
      const { shape, distances } = classifyShape(features);
      objects.push({ colour, shape, shapeDistances: distances, ...stats, features, blob: majorityBlob(pixels, blobComponents.labels), pixels });
    }
  });
  const blobs: Blob[] = blobComponents.pixels.map((pixels, b) => ({
    area: pixels.length,
    colours: [...new Set(objects.filter((o) => o.blob === b).map((o) => o.colour))],
    otherFraction: pixels.filter((p) => labels[p] === LABEL_OTHER).length / pixels.length,
  }));
  const fgCount = fg.reduce((s, v) => s + v, 0);
  const other = labels.reduce((s, l) => s + (l === LABEL_OTHER ? 1 : 0), 0);
  return { width, height, background, labels, objects, blobs, twoColourBlobs: blobs.filter((b) => b.colours.length >= 2).length, otherFraction: fgCount ? other / fgCount : 0 };
}

function majorityBlob(pixels: readonly number[], blobLabels: Int32Array): number {
  const counts = new Map<number, number>();
  for (const p of pixels) counts.set(blobLabels[p], (counts.get(blobLabels[p]) ?? 0) + 1);
  return [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}
