/**
 * The shapes world's vocabulary and exact colours, as training/data.py draws them (COLORS, BACKGROUNDS, SHAPES and
 * the custom subjects' pattern white). The detector names colours by nearest palette entry, so these must match the
 * training data byte for byte.
 */
export type Rgb = readonly [r: number, g: number, b: number];

export const SHAPES = ['circle', 'square', 'triangle', 'star'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** data.py COLORS */
export const COLOURS = {
  red: [215, 35, 35],
  green: [35, 160, 55],
  blue: [35, 65, 215],
  yellow: [240, 205, 25],
  purple: [135, 50, 175],
} as const satisfies Record<string, Rgb>;
export type ColourName = keyof typeof COLOURS;
export const COLOUR_NAMES = Object.keys(COLOURS) as ColourName[];

/** data.py BACKGROUNDS */
export const BACKGROUNDS = {
  white: [248, 248, 248],
  gray: [205, 205, 205],
  cream: [242, 232, 200],
} as const satisfies Record<string, Rgb>;
export type BackgroundName = keyof typeof BACKGROUNDS;
export const BACKGROUND_NAMES = Object.keys(BACKGROUNDS) as BackgroundName[];

/** data.py _pattern(): the light cells of the checkered circle and striped square. */
export const PATTERN_WHITE: Rgb = [250, 250, 250];

/** data.py SUBJECTS: custom subject -> base word, with the plain colour its residual was trained on. */
export const CUSTOM_SUBJECTS = {
  checkered_circle: { baseWord: 'circle', colour: 'red', pattern: 'checkered' },
  striped_square: { baseWord: 'square', colour: 'blue', pattern: 'striped' },
  holed_star: { baseWord: 'star', colour: 'yellow', pattern: 'hole' },
} as const satisfies Record<string, { baseWord: ShapeName; colour: ColourName; pattern: string }>;
export type CustomSubjectName = keyof typeof CUSTOM_SUBJECTS;
export type PatternKind = (typeof CUSTOM_SUBJECTS)[CustomSubjectName]['pattern'];

export function distance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/**
 * A detected background further than this (RGB units) from every palette background is no plain background: the
 * image is a texture or a smear, not a scene of the shapes world. Generated scenes are 1-20 units off; the noise
 * textures a custom subject's residual makes at 3-4x its strength are 95-131 (training/HISTORY.md, residual strength).
 */
export const PLAIN_BACKGROUND_TOLERANCE = 40;

/** Whether `rgb` (the detector's background estimate) is one of the palette backgrounds, within PLAIN_BACKGROUND_TOLERANCE. */
export function plainBackground(rgb: Rgb): boolean {
  return BACKGROUND_NAMES.some((name) => distance(rgb, BACKGROUNDS[name]) <= PLAIN_BACKGROUND_TOLERANCE);
}

/** The background word whose colour is nearest to `rgb` (the detector's background estimate). */
export function nearestBackground(rgb: Rgb): BackgroundName {
  return BACKGROUND_NAMES.reduce((best, name) => (distance(rgb, BACKGROUNDS[name]) < distance(rgb, BACKGROUNDS[best]) ? name : best));
}
