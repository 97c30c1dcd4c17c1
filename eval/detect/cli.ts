/**
 * The detector as a command: reads images, prints what eval/detect finds in them as one JSON document on stdout.
 * For scripts outside TypeScript (training/probe_subject.py) that need the evaluation's detector, so the project
 * has one shape/colour detector.
 *
 *   node --import tsx eval/detect/cli.ts [--subject NAME] FILE.png [FILE.png ...]
 *   node --import tsx eval/detect/cli.ts [--subject NAME] --raw FILE|- --width W --height H
 *
 * --raw reads a batch of 8-bit RGB images, row-major [N, H, W, 3] with no header (numpy's uint8 .tobytes()), from a
 * file or stdin ("-"). --subject (checkered_circle, striped_square, holed_star) adds the custom subject's pattern
 * score, whether it is recognised and the recognition threshold (detect/pattern.ts), and the shape of its silhouette
 * (detect/silhouette.ts). --silhouette COLOUR:PATTERN (repeatable; e.g. red:striped, a pattern among checkered,
 * striped, hole) adds the shape of that colour's silhouette closed for that pattern, for any palette colour: how a
 * base model draws "a red striped square" is read with the same silhouette rule as the custom subject. Unlike the
 * subject's silhouetteShape, which is null off the palette backgrounds (plainScene false, as the evaluation counts
 * it), a query is read whatever the background.
 *
 * Output: { "subject": null | { name, colour, pattern, reference, threshold },
 *           "images": [ { source, width, height, background, objects: [{ colour, shape, area, box, centroid }],
 *                         twoColourBlobs, otherFraction, colourBoxes: { <colour>: [x0, y0, x1, y1] | null },
 *                         plainScene?, pattern?, recognised?, silhouetteShape?,
 *                         silhouettes?: { "<colour>:<pattern>": shape | null } } ] }
 * Boxes are pixel boxes with an exclusive max; colourBoxes bound every pixel labelled with that palette colour
 * (objects below MIN_OBJECT_AREA included). Exit codes: 0 done, 2 bad arguments, 1 unreadable or malformed image.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { RgbImage } from '../../diffusion/image/encode';
import { EVAL_CODES, EvalError } from '../codes';
import { customSubjectScores } from '../metrics';
import { detect } from './detect';
import { COLOUR_NAMES, CUSTOM_SUBJECTS, type ColourName, type CustomSubjectName, type PatternKind } from './palette';
import { recognitionThreshold } from './pattern';
import { SILHOUETTE_CLOSING, silhouetteShape } from './silhouette';

/** A colour whose silhouette is read as if it carried a pattern (--silhouette COLOUR:PATTERN). */
export interface SilhouetteQuery { colour: ColourName; pattern: PatternKind }

export interface DetectCliOptions {
  subject: CustomSubjectName | null;
  silhouettes: SilhouetteQuery[];
  files: string[];
  raw: { source: string; width: number; height: number } | null;
}

const USAGE = 'Usage: eval/detect/cli.ts [--subject NAME] [--silhouette COLOUR:PATTERN ...] FILE.png ... | (the same options) --raw FILE|- --width W --height H';

export function parseDetectArgs(argv: readonly string[]): DetectCliOptions {
  const o: DetectCliOptions = { subject: null, silhouettes: [], files: [], raw: null };
  let raw: string | null = null;
  let width = 0, height = 0;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith('--')) { o.files.push(flag); continue; }
    const value = argv[++i];
    if (value === undefined) throw new EvalError(EVAL_CODES.args, `Expected a value after ${flag}.`, { hint: USAGE });
    const size = (): number => {
      const v = Number(value);
      if (!Number.isInteger(v) || v <= 0) throw new EvalError(EVAL_CODES.args, `Expected a positive integer after ${flag} but received ${JSON.stringify(value)}.`, { hint: USAGE });
      return v;
    };
    if (flag === '--subject') {
      if (!(value in CUSTOM_SUBJECTS)) throw new EvalError(EVAL_CODES.args, `Expected a custom subject among ${Object.keys(CUSTOM_SUBJECTS).join(', ')} but received ${JSON.stringify(value)}.`);
      o.subject = value as CustomSubjectName;
    } else if (flag === '--silhouette') o.silhouettes.push(parseSilhouetteQuery(value));
    else if (flag === '--raw') raw = value;
    else if (flag === '--width') width = size();
    else if (flag === '--height') height = size();
    else throw new EvalError(EVAL_CODES.args, `Expected one of --subject, --silhouette, --raw, --width, --height but received ${JSON.stringify(flag)}.`, { hint: USAGE });
  }
  if (raw !== null) {
    if (!width || !height) throw new EvalError(EVAL_CODES.args, 'Expected --width and --height with --raw.', { hint: USAGE });
    if (o.files.length) throw new EvalError(EVAL_CODES.args, `Expected either PNG files or --raw but received both (${o.files.join(', ')}).`, { hint: USAGE });
    o.raw = { source: raw, width, height };
  } else if (!o.files.length) throw new EvalError(EVAL_CODES.args, 'Expected at least one PNG file or --raw.', { hint: USAGE });
  return o;
}

function parseSilhouetteQuery(value: string): SilhouetteQuery {
  const [colour, pattern, ...rest] = value.split(':');
  const patterns = Object.keys(SILHOUETTE_CLOSING);
  if (rest.length || !(COLOUR_NAMES as readonly string[]).includes(colour) || !patterns.includes(pattern)) {
    throw new EvalError(EVAL_CODES.args, `Expected --silhouette COLOUR:PATTERN with a colour among ${COLOUR_NAMES.join(', ')} and a pattern among ${patterns.join(', ')} but received ${JSON.stringify(value)}.`, { hint: USAGE });
  }
  return { colour: colour as ColourName, pattern: pattern as PatternKind };
}

/** Splits a raw [N, H, W, 3] uint8 batch into images. */
export function splitRawBatch(data: Uint8Array, width: number, height: number): RgbImage[] {
  const size = width * height * 3;
  if (data.length === 0 || data.length % size !== 0) {
    throw new EvalError(EVAL_CODES.image, `Expected a raw batch of 8-bit RGB ${width}x${height} images (a multiple of ${size} bytes) but received ${data.length} bytes.`, { hint: 'Write the batch as numpy uint8 [N, H, W, 3] .tobytes().' });
  }
  return Array.from({ length: data.length / size }, (_, k) => ({ width, height, data: data.subarray(k * size, (k + 1) * size) }));
}

export async function readPng(file: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new EvalError(EVAL_CODES.image, `Expected a readable PNG at ${file} but it cannot be decoded: ${(err as Error).message}`, { cause: err });
  }
}

export interface ImageReport {
  source: string;
  width: number;
  height: number;
  background: number[];
  objects: { colour: ColourName; shape: string; area: number; box: number[]; centroid: number[] }[];
  twoColourBlobs: number;
  otherFraction: number;
  colourBoxes: Record<ColourName, [number, number, number, number] | null>;
  /** The background is a palette background (metrics.ts customSubjectScores: otherwise no pattern, no silhouette). */
  plainScene?: boolean;
  pattern?: number | null;
  recognised?: number;
  /** The subject's silhouette shape (./silhouette.ts); null when its colour is absent or the scene is not plain. */
  silhouetteShape?: string | null;
  /** Per --silhouette query ("red:striped"): that colour's silhouette shape, null when the colour is absent (read on
   * any background, plain or not). */
  silhouettes?: Record<string, string | null>;
}

const round = (v: number, digits = 3): number => Number(v.toFixed(digits));

export function describeImage(source: string, image: RgbImage, subject: CustomSubjectName | null, silhouettes: readonly SilhouetteQuery[] = []): ImageReport {
  const d = detect(image);
  const colourBoxes = Object.fromEntries(COLOUR_NAMES.map((c) => [c, null])) as ImageReport['colourBoxes'];
  for (let p = 0; p < d.labels.length; p++) {
    const colour = COLOUR_NAMES[d.labels[p]];
    if (colour === undefined) continue; // background, white, other
    const x = p % d.width, y = (p - x) / d.width;
    const b = colourBoxes[colour];
    if (!b) colourBoxes[colour] = [x, y, x + 1, y + 1];
    else { b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x + 1); b[3] = Math.max(b[3], y + 1); }
  }
  const report: ImageReport = {
    source, width: d.width, height: d.height, background: d.background.map((v) => round(v, 1)),
    objects: d.objects.map((o) => ({ colour: o.colour, shape: o.shape, area: o.area, box: [...o.box], centroid: o.centroid.map((v) => round(v, 2)) })),
    twoColourBlobs: d.twoColourBlobs, otherFraction: round(d.otherFraction), colourBoxes,
  };
  if (subject) {
    const scores = customSubjectScores(image, d, subject);
    report.plainScene = scores.plainScene;
    report.pattern = scores.pattern === null ? null : round(scores.pattern, 4);
    report.recognised = scores.recognised;
    report.silhouetteShape = scores.silhouetteShape;
  }
  if (silhouettes.length) {
    report.silhouettes = Object.fromEntries(silhouettes.map((q) => [`${q.colour}:${q.pattern}`, silhouetteShape(d, q.colour, q.pattern)]));
  }
  return report;
}

export async function runDetectCli(argv: readonly string[], readStdin: () => Promise<Uint8Array> = readAllStdin): Promise<{ subject: unknown; images: ImageReport[] }> {
  const o = parseDetectArgs(argv);
  const images: { source: string; image: RgbImage }[] = [];
  if (o.raw) {
    const bytes = o.raw.source === '-' ? await readStdin() : new Uint8Array(readFileSync(o.raw.source));
    splitRawBatch(bytes, o.raw.width, o.raw.height).forEach((image, k) => images.push({ source: `${o.raw!.source === '-' ? 'stdin' : o.raw!.source}:${k}`, image }));
  } else {
    for (const file of o.files) images.push({ source: file, image: await readPng(file) });
  }
  const subject = o.subject ? { name: o.subject, ...CUSTOM_SUBJECTS[o.subject], ...recognitionThreshold(o.subject) } : null;
  return { subject, images: images.map(({ source, image }) => describeImage(source, image, o.subject, o.silhouettes)) };
}

async function readAllStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('eval/detect/cli.ts')) {
  try {
    process.stdout.write(`${JSON.stringify(await runDetectCli(process.argv.slice(2)))}\n`);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`${e.code ?? 'E_EVAL'}: ${e.message}\n`);
    process.exit(e.code === EVAL_CODES.args ? 2 : 1);
  }
}
