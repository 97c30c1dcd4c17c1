/**
 * Colour-coded layout images, the Cones 2 reference format: a PNG where each subject's region is painted in one
 * flat colour, plus a table {"R,G,B": [word, strength]} (the reference config's `color_context`).
 *
 * Matching is EXACT on RGB after a nearest-neighbour resize to the target size (./regions.ts nearestIndex); alpha
 * is ignored, as PIL's convert('RGB') does in the reference. A table colour absent from the image is an error that
 * lists the colours that do occur, most frequent first, so a near-miss (an antialiased export, a wrong digit) is
 * easy to spot.
 */
import sharp from 'sharp';
import { ModelError } from '../errors';
import { LAYOUT_CODES } from './codes';
import { checkSize, checkStrength, nearestIndex, type SubjectMask } from './regions';
import { checkFileSize } from '../io/bounded-read';

/** 8192 x 8192: far above any layout (the reference's are 768 x 768). */
const MAX_LAYOUT_PIXELS = 8192 * 8192;

/** The reference config's `color_context`: "R,G,B" -> [word, strength]. */
export type ColourTable = Readonly<Record<string, readonly [string, number]>>;

/** Decoded pixels, row-major [height, width, channels]; 1-2 channels are grey (+ alpha), 3-4 RGB (+ alpha). */
export interface Pixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

export interface ColourLayoutOptions {
  /** Target (image) size the masks are produced at. */
  readonly width: number;
  readonly height: number;
  /** How many occurring colours E_LAYOUT_COLOUR_NOT_FOUND lists (default 8). */
  readonly listColours?: number;
}

export interface ColourSubjectMask extends SubjectMask {
  readonly colour: readonly [number, number, number];
}

const DEFAULT_LISTED_COLOURS = 8;

const packRgb = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;
const rgbText = (packed: number) => `${packed >> 16},${(packed >> 8) & 255},${packed & 255}`;

export function parseColourKey(key: string): [number, number, number] {
  const parts = key.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.length !== 3 || !values.every((v, i) => parts[i] !== '' && Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw new ModelError(LAYOUT_CODES.colourKey, `Expected a colour key "R,G,B" with integers in [0, 255] but received "${key}".`, {
      hint: 'Write colours like "255,192,0", as in the reference color_context.',
    });
  }
  return values as [number, number, number];
}

/** Packed RGB of every target pixel after the nearest-neighbour resize: [height, width]. */
function resizedColours(pixels: Pixels, height: number, width: number): Uint32Array {
  const { data, channels } = pixels;
  const grey = channels < 3;
  const out = new Uint32Array(height * width); // [H, W] packed 0xRRGGBB
  const cols = Array.from({ length: width }, (_, x) => nearestIndex(x, pixels.width, width));
  for (let y = 0; y < height; y++) {
    const row = nearestIndex(y, pixels.height, height) * pixels.width;
    for (let x = 0; x < width; x++) {
      const p = (row + cols[x]) * channels;
      out[y * width + x] = grey ? packRgb(data[p], data[p], data[p]) : packRgb(data[p], data[p + 1], data[p + 2]);
    }
  }
  return out;
}

/** Subject masks from decoded pixels and a colour table (pure; no file access). */
export function colourLayoutFromPixels(pixels: Pixels, table: ColourTable, options: ColourLayoutOptions): ColourSubjectMask[] {
  const { width, height } = options;
  checkSize('image width', width);
  checkSize('image height', height);
  const entries = Object.entries(table).map(([key, value]) => {
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') {
      throw new ModelError(LAYOUT_CODES.colourKey, `Expected [word, strength] for colour "${key}" but received ${JSON.stringify(value)}.`);
    }
    checkStrength(value[0], value[1]);
    return { colour: parseColourKey(key), phrase: value[0], strength: value[1] };
  });
  const colours = resizedColours(pixels, height, width);
  const counts = new Map<number, number>();
  for (const c of colours) counts.set(c, (counts.get(c) ?? 0) + 1);
  const missing = entries.filter((e) => !counts.has(packRgb(...e.colour)));
  if (missing.length > 0) {
    const total = colours.length;
    const present = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, options.listColours ?? DEFAULT_LISTED_COLOURS);
    const listed = present.map(([c, n]) => `${rgbText(c)} (${((100 * n) / total).toFixed(1)}%)`).join(', ');
    const names = missing.map((e) => `"${e.colour.join(',')}" (${e.phrase})`).join(', ');
    throw new ModelError(LAYOUT_CODES.colourNotFound, `Expected every table colour in the layout image but ${names} occur nowhere ` +
      `at ${width}x${height}; the most frequent colours are: ${listed}.`, {
      hint: 'Colours must match exactly: export the layout without antialiasing and copy the RGB values from it.',
      details: { missing: missing.map((e) => e.colour), present: present.map(([c, n]) => ({ colour: rgbText(c), pixels: n })) },
    });
  }
  return entries.map(({ colour, phrase, strength }) => {
    const target = packRgb(...colour);
    const mask = new Uint8Array(colours.length); // [H, W]
    for (let k = 0; k < colours.length; k++) mask[k] = colours[k] === target ? 1 : 0;
    return { phrase, strength, colour, mask, width, height };
  });
}

/** Decodes an image file or buffer with sharp (no colour management: raw stored values). */
export async function decodePixels(source: string | Buffer): Promise<Pixels> {
  if (typeof source === 'string') checkFileSize(source, 'image');
  try {
    // limitInputPixels: a small PNG can declare a huge canvas; refuse it before decoding allocates it.
    const { data, info } = await sharp(source, { limitInputPixels: MAX_LAYOUT_PIXELS }).raw().toBuffer({ resolveWithObject: true });
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { data: bytes, width: info.width, height: info.height, channels: info.channels };
  } catch (cause) {
    const what = typeof source === 'string' ? `"${source}"` : 'the given buffer';
    throw new ModelError(LAYOUT_CODES.imageRead, `Expected a readable PNG layout image at ${what} ` +
      `but decoding failed: ${(cause as Error).message}.`, {
      hint: 'Check the path (reference configs give it relative to the folder above configs/) and that the file is a PNG.',
      cause,
    });
  }
}

/** Reads a colour-coded layout image and returns one mask per table entry at the target size. */
export async function readColourLayout(
  source: string | Buffer, table: ColourTable, options: ColourLayoutOptions,
): Promise<ColourSubjectMask[]> {
  return colourLayoutFromPixels(await decodePixels(source), table, options);
}
