/**
 * Custom-subject fidelity: how much of a subject's pattern (training/data.py SUBJECTS) shows inside it. The
 * subject region is the bounding box of every pixel of the subject's colour (patterns split an object into pieces,
 * so one component is not enough):
 *
 *   checkered / striped   fraction of near-white pixels (the pattern's light cells) in the region's interior
 *                         (the inscribed ellipse shrunk to 0.8 for the circle, the box minus a 1 px rim for the square)
 *   hole                  fraction of pixels not of the star's colour in a central disc (radius 0.12 x box width,
 *                         centred 4% of the height below the box centre, where data.py punches the hole)
 *
 * 0 means a plain shape. The reference value is the score of ground-truth renders (./render.ts with the pattern).
 */
import type { RgbImage } from '../../diffusion/image/encode';
import { mulberry32, type Rng } from '../random';
import { detect, type Detection } from './detect';
import { BACKGROUND_NAMES, COLOUR_NAMES, CUSTOM_SUBJECTS, PATTERN_WHITE, distance, type ColourName, type CustomSubjectName, type PatternKind } from './palette';
import { IMAGE_SIZE, renderScene } from './render';

/** A pixel counts as the pattern's white within this distance of (250, 250, 250). */
export const PATTERN_WHITE_TOLERANCE = 60;

/** null when the subject's colour is absent. */
export function patternScore(image: RgbImage, detection: Detection, colour: ColourName, pattern: PatternKind): number | null {
  const { width, height } = image;
  const ci = COLOUR_NAMES.indexOf(colour);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const o of detection.objects) {
    if (o.colour !== colour) continue;
    x0 = Math.min(x0, o.box[0]); y0 = Math.min(y0, o.box[1]); x1 = Math.max(x1, o.box[2]); y1 = Math.max(y1, o.box[3]);
  }
  if (!(x1 > x0)) return null;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  let hits = 0, total = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5, py = y + 0.5, p = y * width + x;
      let inRegion: boolean;
      if (pattern === 'checkered') inRegion = ((px - cx) / Math.max(((x1 - x0) / 2) * 0.8, 1)) ** 2 + ((py - cy) / Math.max(((y1 - y0) / 2) * 0.8, 1)) ** 2 <= 1;
      else if (pattern === 'striped') inRegion = x > x0 && x < x1 - 1 && y > y0 && y < y1 - 1;
      else inRegion = (px - cx) ** 2 + (py - (cy + 0.04 * (y1 - y0))) ** 2 <= (0.12 * (x1 - x0)) ** 2;
      if (!inRegion) continue;
      total++;
      if (pattern === 'hole') hits += detection.labels[p] === ci ? 0 : 1;
      else hits += distance([image.data[p * 3], image.data[p * 3 + 1], image.data[p * 3 + 2]], PATTERN_WHITE) < PATTERN_WHITE_TOLERANCE ? 1 : 0;
    }
  }
  return total ? hits / total : null;
}

/**
 * The score of ground truth: the mean over `count` renders of the subject alone (data.py make_subject_sample:
 * size 22-28 px, random position and background), the scale a generated subject is compared against.
 * `phase` 'fixed' draws the pattern with its cell edges on pixel edges (crisp, the highest score); 'random' draws
 * data.py's random phase (a multiple of 1/4 px, its supersampling step), so cell edges blur across pixels as in
 * the training images the residual was fitted to.
 */
export function referencePatternScore(name: CustomSubjectName, rng: Rng, count: number, phase: 'fixed' | 'random' = 'fixed'): number {
  const { baseWord, colour, pattern } = CUSTOM_SUBJECTS[name];
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const size = rng.uniform(22, 28);
    const r = size / 2 + 1;
    const at = { size, cx: rng.uniform(r, IMAGE_SIZE - r), cy: rng.uniform(r, IMAGE_SIZE - r) };
    const background = rng.pick(BACKGROUND_NAMES);
    const offset = phase === 'random' ? ([rng.int(20) / 4, rng.int(24) / 4] as const) : undefined;
    const scene = renderScene([{ shape: baseWord, colour, pattern, ...at, ...(offset ? { phase: offset } : {}) }], background);
    sum += patternScore(scene.image, detect(scene.image), colour, pattern) ?? 0;
  }
  return sum / count;
}

/**
 * "Recognised" for a custom subject (the definition training/eval_quality.py used, now retired): the subject's
 * colour is found and its pattern score reaches RECOGNITION_FRACTION of the mean score of training-like images
 * (RECOGNITION_RENDERS renders with data.py's random pattern phase, seed RECOGNITION_SEED). Deterministic.
 */
export const RECOGNITION_FRACTION = 0.5;
export const RECOGNITION_RENDERS = 40;
export const RECOGNITION_SEED = 77;
const thresholds = new Map<CustomSubjectName, { reference: number; threshold: number }>();

export function recognitionThreshold(name: CustomSubjectName): { reference: number; threshold: number } {
  let t = thresholds.get(name);
  if (!t) {
    const reference = referencePatternScore(name, mulberry32(RECOGNITION_SEED), RECOGNITION_RENDERS, 'random');
    t = { reference, threshold: RECOGNITION_FRACTION * reference };
    thresholds.set(name, t);
  }
  return t;
}
