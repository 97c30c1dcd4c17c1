/**
 * Scores of one generated image against its requested subjects, and their aggregation over seeds.
 *
 * Matching: each requested subject is paired with at most one detected object of its colour (an exhaustive search
 * over assignments, at most 4 subjects), preferring in order: a match at all, the right shape, a centroid inside
 * the requested box, a larger IoU. Per subject:
 *   present     an object of the requested colour exists (1 - omission rate)
 *   inBox       its centroid lies inside the requested box (absent subjects count 0)
 *   iou         IoU of its bounding box with the requested box (absent: 0)
 *   shapeRight  its shape is the requested one (absent: 0)
 * Per image:
 *   allPresent   every subject present
 *   countRight   the number of significant objects (>= SIGNIFICANT_AREA px) equals the number of subjects
 *   duplicates   significant objects of a requested colour beyond the number requested (merged or repeated subjects)
 *   wrongColour  a significant object of an unrequested colour exists (colour leakage or invention)
 *   twoColour    a foreground blob holds objects of two palette colours (blended or fused subjects)
 *   twoColourBlended  such a blob with at least BLENDED_OTHER_FRACTION of its pixels in no palette colour (colours
 *                mixed); the rest of twoColour are objects in clean colours that touch or are bridged (ground-truth
 *                renders of touching objects have no such pixels: their seams label as one of the two colours)
 *   blendFraction fraction of foreground pixels of no palette colour (muddy, mixed colours)
 *
 * Aggregation: the unit is the image (one seed), subject scores are averaged within an image first. The interval
 * is a 95% percentile bootstrap over images (BOOTSTRAP_RESAMPLES resamples, fixed seed).
 */
import type { RgbImage } from '../diffusion/image/encode';
import type { Box } from '../diffusion/layout';
import { EVAL_CODES, EvalError } from './codes';
import { patternScore, plainBackground, recognitionThreshold, silhouetteShape, CUSTOM_SUBJECTS, type CustomSubjectName, type DetectedObject, type Detection, type ShapeName } from './detect';
import { mulberry32 } from './random';
import type { EvalSubject } from './sets';

/** Objects smaller than this (a third of the smallest training object, a 14 px star of ~70 px) are not counted. */
export const SIGNIFICANT_AREA = 24;
/** A two-coloured blob with at least this share of off-palette ("other") pixels counts as blended. */
export const BLENDED_OTHER_FRACTION = 0.05;
export const BOOTSTRAP_RESAMPLES = 2000;
const BOOTSTRAP_SEED = 7;

export interface SubjectScore {
  present: number;
  inBox: number;
  iou: number;
  shapeRight: number;
  matched: DetectedObject | null;
}

export interface ImageScore {
  subjects: SubjectScore[];
  present: number;
  inBox: number;
  iou: number;
  shapeRight: number;
  allPresent: number;
  countRight: number;
  duplicates: number;
  wrongColour: number;
  twoColour: number;
  twoColourBlended: number;
  blendFraction: number;
}

export const IMAGE_METRICS = ['present', 'allPresent', 'inBox', 'iou', 'shapeRight', 'countRight', 'duplicates', 'wrongColour', 'twoColour', 'twoColourBlended', 'blendFraction'] as const;
export type ImageMetric = (typeof IMAGE_METRICS)[number];

/** Pixel box [x0, y0, x1, y1] vs a normalised box, as IoU. */
export function boxIou(pixelBox: readonly number[], box: Box, width: number, height: number): number {
  const b = [box[0] * width, box[1] * height, box[2] * width, box[3] * height];
  const ix = Math.max(0, Math.min(pixelBox[2], b[2]) - Math.max(pixelBox[0], b[0]));
  const iy = Math.max(0, Math.min(pixelBox[3], b[3]) - Math.max(pixelBox[1], b[1]));
  const inter = ix * iy;
  const union = (pixelBox[2] - pixelBox[0]) * (pixelBox[3] - pixelBox[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

export function centroidInBox(centroid: readonly number[], box: Box, width: number, height: number): boolean {
  const x = centroid[0] / width;
  const y = centroid[1] / height;
  return x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
}

function pairScore(subject: EvalSubject, o: DetectedObject, d: Detection): SubjectScore {
  return {
    present: 1,
    inBox: centroidInBox(o.centroid, subject.box, d.width, d.height) ? 1 : 0,
    iou: boxIou(o.box, subject.box, d.width, d.height),
    shapeRight: o.shape === subject.shape ? 1 : 0,
    matched: o,
  };
}

const MISSING: SubjectScore = { present: 0, inBox: 0, iou: 0, shapeRight: 0, matched: null };
const rank = (s: SubjectScore): number => 1000 * s.present + 100 * s.shapeRight + 10 * s.inBox + s.iou;

/** The best assignment of detected objects (same colour, each used once) to subjects. */
export function matchSubjects(subjects: readonly EvalSubject[], d: Detection): SubjectScore[] {
  let best: SubjectScore[] = subjects.map(() => MISSING);
  let bestTotal = -1;
  const chosen: SubjectScore[] = [];
  const used = new Set<DetectedObject>();
  const search = (k: number, total: number): void => {
    if (k === subjects.length) {
      if (total > bestTotal) { bestTotal = total; best = [...chosen]; }
      return;
    }
    for (const o of d.objects) {
      if (o.colour !== subjects[k].colour || used.has(o)) continue;
      const s = pairScore(subjects[k], o, d);
      used.add(o); chosen.push(s);
      search(k + 1, total + rank(s));
      used.delete(o); chosen.pop();
    }
    chosen.push(MISSING);
    search(k + 1, total);
    chosen.pop();
  };
  search(0, 0);
  return best;
}

export function scoreImage(subjects: readonly EvalSubject[], d: Detection): ImageScore {
  if (subjects.length === 0) throw new EvalError(EVAL_CODES.empty, 'Expected at least one requested subject to score an image against but received none.');
  const scores = matchSubjects(subjects, d);
  const mean = (f: (s: SubjectScore) => number): number => scores.reduce((a, s) => a + f(s), 0) / scores.length;
  const significant = d.objects.filter((o) => o.area >= SIGNIFICANT_AREA);
  const requested = new Map<string, number>();
  for (const s of subjects) requested.set(s.colour, (requested.get(s.colour) ?? 0) + 1);
  let duplicates = 0;
  for (const [colour, n] of requested) duplicates += Math.max(0, significant.filter((o) => o.colour === colour).length - n);
  return {
    subjects: scores,
    present: mean((s) => s.present),
    inBox: mean((s) => s.inBox),
    iou: mean((s) => s.iou),
    shapeRight: mean((s) => s.shapeRight),
    allPresent: scores.every((s) => s.present) ? 1 : 0,
    countRight: significant.length === subjects.length ? 1 : 0,
    duplicates,
    wrongColour: significant.some((o) => !requested.has(o.colour)) ? 1 : 0,
    twoColour: d.twoColourBlobs > 0 ? 1 : 0,
    twoColourBlended: d.blobs.some((b) => b.colours.length >= 2 && b.otherFraction >= BLENDED_OTHER_FRACTION) ? 1 : 0,
    blendFraction: d.otherFraction,
  };
}

/**
 * Custom subjects: 1 when the subject's colour was found (pattern score not null) and its pattern score reaches the
 * subject's recognition threshold (detect/pattern.ts recognitionThreshold: half the score of training-like
 * renders), else 0.
 */
export function subjectRecognised(pattern: number | null, threshold: number): number {
  return pattern !== null && pattern >= threshold ? 1 : 0;
}

export interface CustomSubjectScores {
  /** The image's background is a palette background (detect/palette.ts plainBackground). */
  plainScene: boolean;
  /** Pattern score (detect/pattern.ts); null when the subject's colour is absent or the scene is not plain. */
  pattern: number | null;
  /** subjectRecognised of that score at the subject's threshold. */
  recognised: number;
  /** The subject's silhouette shape (detect/silhouette.ts); null when its colour is absent or the scene is not plain. */
  silhouetteShape: ShapeName | null;
}

/**
 * A custom subject's scores in one image. Only a plain scene counts: a texture whose grey or purple "background"
 * shows through a yellow region reads as a holed star of the right silhouette to the pattern and silhouette
 * measures, so an image without a palette background scores as if the subject were absent.
 */
export function customSubjectScores(image: RgbImage, d: Detection, subject: CustomSubjectName): CustomSubjectScores {
  const { colour, pattern } = CUSTOM_SUBJECTS[subject];
  const plainScene = plainBackground(d.background);
  const score = plainScene ? patternScore(image, d, colour, pattern) : null;
  return {
    plainScene, pattern: score, recognised: subjectRecognised(score, recognitionThreshold(subject).threshold),
    silhouetteShape: plainScene ? silhouetteShape(d, colour, pattern) : null,
  };
}

export interface Estimate {
  mean: number;
  /** 95% percentile-bootstrap interval over images. */
  lo: number;
  hi: number;
  n: number;
}

export function bootstrapMean(values: readonly number[], resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED): Estimate {
  const n = values.length;
  if (n === 0) throw new EvalError(EVAL_CODES.empty, 'Expected at least one value to aggregate but received none.', { hint: 'Run the evaluation with --n 1 or more.' });
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const rng = mulberry32(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  return { mean, lo: means[Math.floor(0.025 * (resamples - 1))], hi: means[Math.ceil(0.975 * (resamples - 1))], n };
}

export function aggregate(scores: readonly ImageScore[], metrics: readonly ImageMetric[] = IMAGE_METRICS): Record<ImageMetric, Estimate> {
  const out = {} as Record<ImageMetric, Estimate>;
  for (const m of metrics) out[m] = bootstrapMean(scores.map((s) => s[m]));
  return out;
}

/**
 * Paired difference of two conditions run on the same samples (same prompts, boxes, seeds): mean of b_i - a_i with
 * a percentile-bootstrap interval that resamples images, keeping pairs together (tighter than comparing two
 * independent intervals, since seed-to-seed variation cancels).
 */
export function pairedDifference(a: readonly number[], b: readonly number[]): Estimate {
  if (a.length !== b.length) throw new EvalError(EVAL_CODES.empty, `Expected paired values of equal length but received ${a.length} and ${b.length}.`);
  return bootstrapMean(a.map((v, i) => b[i] - v));
}

/** The per-image measurements beside the score (eval/evaluate.ts ImageResult): null where they do not apply. */
export interface ImageExtras {
  /** Custom-subject pattern score of the first subject (0 when its colour is missing); null for ordinary sets. */
  pattern: number | null;
  /** 1 when that subject is recognised (colour found, pattern score >= its recognition threshold), else 0; null for ordinary sets. */
  recognised: number | null;
  /** 1 when that subject's silhouette (./detect/silhouette.ts: pattern closed, holes filled) has its base shape, else 0; null for ordinary sets. */
  silhouetteShape: number | null;
  /** 1 when the detected background is nearest to the colour the prompt names, else 0; null when it names none. */
  background: number | null;
}

/** One image's value of a metric: the custom-subject and background fields (absent counts 0), else its score's. */
export function imageMetric(r: ImageExtras & { score: ImageScore }, metric: string): number {
  if (metric === 'pattern') return r.pattern ?? 0;
  if (metric === 'recognised') return r.recognised ?? 0;
  if (metric === 'silhouetteShape') return r.silhouetteShape ?? 0;
  if (metric === 'background') return r.background ?? 0;
  return (r.score as unknown as Record<string, number>)[metric];
}
