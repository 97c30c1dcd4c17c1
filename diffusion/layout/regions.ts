/**
 * Subject regions at full image resolution: normalised boxes and free-form masks, rasterised to a binary
 * mask [H, W] (1 = inside). Colour-coded layout images (the reference format) are handled by ./colour-layout.ts
 * and produce the same `SubjectMask`.
 */
import { ModelError } from '../errors';
import { LAYOUT_CODES } from './codes';

/** Cones 2's default per-subject strength (reference configs, docs/method.md section 4). */
export const DEFAULT_SUBJECT_STRENGTH = 2.5;

export type Box = readonly [x0: number, y0: number, x1: number, y1: number];

export interface BoxSubject {
  readonly phrase: string;
  /** [x0, y0, x1, y1] normalised to [0, 1], origin top-left. */
  readonly box: Box;
  readonly strength?: number;
}

export interface FreeformSubject {
  readonly phrase: string;
  /** Row-major [height, width]; any non-zero value is inside. Resized to the target with nearest neighbour. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly strength?: number;
}

export type LayoutSubject = BoxSubject | FreeformSubject;

/** A subject's region rasterised at the target image size. */
export interface SubjectMask {
  readonly phrase: string;
  readonly strength: number;
  /** [height, width] row-major, 1 inside, 0 outside. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export function checkSize(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ModelError(LAYOUT_CODES.size, `Expected a positive integer ${what} but received ${value}.`);
  }
}

export function checkStrength(phrase: string, strength: number): void {
  if (!Number.isFinite(strength)) {
    throw new ModelError(LAYOUT_CODES.strength, `Expected a finite strength for subject "${phrase}" but received ${strength}.`, {
      hint: `The reference uses ${DEFAULT_SUBJECT_STRENGTH}.`,
    });
  }
}

export function validateBox(phrase: string, box: Box): void {
  const cornersInside = Array.isArray(box) && box.length === 4 && box.every((v) => Number.isFinite(v) && v >= 0 && v <= 1);
  const ok = cornersInside && box[0] < box[2] && box[1] < box[3];
  if (!ok) {
    throw new ModelError(LAYOUT_CODES.box, 'Expected a box [x0, y0, x1, y1] inside [0, 1] with x0 < x1 and y0 < y1 ' +
      `for subject "${phrase}" but received ${JSON.stringify(box)}.`, {
      hint: 'Give corners as fractions of the image width and height, top-left first, e.g. [0.1, 0.45, 0.5, 0.9].',
    });
  }
}

/**
 * Pixel (x, y) is inside when its centre ((x + 0.5) / W, (y + 0.5) / H) lies in [x0, x1) x [y0, y1): abutting boxes
 * never share a pixel.
 */
export function rasteriseBox(box: Box, height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width); // [H, W]
  const [x0, y0, x1, y1] = box;
  const cols: number[] = [];
  for (let x = 0; x < width; x++) {
    const cx = (x + 0.5) / width;
    if (cx >= x0 && cx < x1) cols.push(x);
  }
  for (let y = 0; y < height; y++) {
    const cy = (y + 0.5) / height;
    if (cy >= y0 && cy < y1) for (const x of cols) mask[y * width + x] = 1;
  }
  return mask;
}

/**
 * Nearest-neighbour source index for pixel-centre sampling, src = floor((dst + 0.5) * in / out), as PIL's
 * Image.NEAREST does. Never interpolate a layout: blended edge values belong to no subject (docs/method.md section 4).
 */
export function nearestIndex(dst: number, inSize: number, outSize: number): number {
  return Math.min(Math.floor(((dst + 0.5) * inSize) / outSize), inSize - 1);
}

/** Nearest-neighbour resize of any row-major single-channel grid. */
export function resizeNearest(src: Uint8Array, inH: number, inW: number, outH: number, outW: number): Uint8Array {
  if (inH === outH && inW === outW) return src.slice();
  const out = new Uint8Array(outH * outW); // [outH, outW]
  const cols = Array.from({ length: outW }, (_, x) => nearestIndex(x, inW, outW));
  for (let y = 0; y < outH; y++) {
    const row = nearestIndex(y, inH, outH) * inW;
    for (let x = 0; x < outW; x++) out[y * outW + x] = src[row + cols[x]];
  }
  return out;
}

function countInside(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) if (v) n++;
  return n;
}

export function requireNonEmpty(phrase: string, mask: Uint8Array, height: number, width: number, source: string): void {
  if (countInside(mask) === 0) {
    throw new ModelError(LAYOUT_CODES.regionEmpty, `Expected the region of subject "${phrase}" (${source}) to cover at least one pixel ` +
      `at ${width}x${height} but it covers none.`, {
      hint: 'Enlarge the box or mask; a subject with no region could never be attended to.',
    });
  }
}

/** Rasterises boxes and free-form masks at (height, width), validating everything first. */
export function rasteriseSubjects(subjects: readonly LayoutSubject[], height: number, width: number): SubjectMask[] {
  checkSize('image height', height);
  checkSize('image width', width);
  return subjects.map((subject) => {
    const strength = subject.strength ?? DEFAULT_SUBJECT_STRENGTH;
    checkStrength(subject.phrase, strength);
    let mask: Uint8Array;
    if ('box' in subject) {
      validateBox(subject.phrase, subject.box);
      mask = rasteriseBox(subject.box, height, width);
      requireNonEmpty(subject.phrase, mask, height, width, `box ${JSON.stringify(subject.box)}`);
    } else {
      checkSize('mask width', subject.width);
      checkSize('mask height', subject.height);
      if (subject.mask.length !== subject.width * subject.height) {
        throw new ModelError(LAYOUT_CODES.maskSize, `Expected ${subject.width * subject.height} mask values ` +
          `(${subject.width}x${subject.height}) for subject "${subject.phrase}" but received ${subject.mask.length}.`);
      }
      const binary = subject.mask.map((v) => (v ? 1 : 0));
      mask = resizeNearest(binary, subject.height, subject.width, height, width);
      requireNonEmpty(subject.phrase, mask, height, width, 'free-form mask');
    }
    return { phrase: subject.phrase, strength, mask, width, height };
  });
}
