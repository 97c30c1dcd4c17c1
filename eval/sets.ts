/**
 * Evaluation sets: prompts in the caption grammar of training/data.py ("a red circle and a blue square",
 * "a, b and c") with one box per subject, and a fixed diffusion seed per sample. Everything is derived from a set
 * seed, so every condition of a run sees exactly the same prompts, boxes and noise. The boxes and seeds are fresh
 * draws; the prompts are held out from training only in heldoutSets (./heldout.ts), for models built with HELDOUT=1.
 *
 * Boxes: the image is cut into cells (1 subject: the whole image; 2: left/right or top/bottom halves; 3-4: k of
 * the four quadrants) and each subject gets a square box of side BOX_SIDE[scale] x the image, placed at random
 * inside its own cell, so boxes never overlap. Layout phrases are the whole noun phrase ("red circle"): the colour
 * token gets the map too, and two subjects of one shape stay distinguishable ("red circle" / "blue circle").
 */
import type { Box, BoxSubject } from '../diffusion/layout';
import { EVAL_CODES, EvalError } from './codes';
import {
  BACKGROUND_NAMES, COLOUR_NAMES, CUSTOM_SUBJECTS, SHAPES, type BackgroundName, type ColourName, type CustomSubjectName, type ShapeName,
} from './detect/palette';
import { heldoutScene } from './heldout';
import { mulberry32, type Rng } from './random';

export type BoxScale = 'small' | 'default' | 'large' | 'cell';
/**
 * Box side as a fraction of the image. Objects of the training data span 14-28 px of 64 (0.22-0.44). 'cell': the
 * box is the whole cell (2 subjects: the two halves of the image, the boxes of the model card's layout rows).
 */
export const BOX_SIDE: Record<BoxScale, Record<number, number>> = {
  small: { 1: 0.3, 2: 0.3, 3: 0.3, 4: 0.3 },
  default: { 1: 0.5, 2: 0.45, 3: 0.42, 4: 0.42 },
  large: { 1: 0.75, 2: 0.5, 3: 0.5, 4: 0.5 },
  cell: { 1: 1, 2: 1, 3: 1, 4: 1 },
};

export interface EvalSubject {
  colour: ColourName;
  shape: ShapeName;
  /** The words of the subject in the prompt (the layout phrase). */
  phrase: string;
  box: Box;
  /** A custom subject carried by a residual on `phrase` (its base word). */
  custom?: CustomSubjectName;
}

export interface EvalSample {
  id: string;
  prompt: string;
  subjects: EvalSubject[];
  seed: number;
  /** The background word the prompt asks for (" on a cream background"), if any. */
  background?: BackgroundName;
}

export interface EvalSet {
  name: string;
  description: string;
  samples: EvalSample[];
}

export type Similarity = 'none' | 'same_colour' | 'same_shape';

export interface SetOptions {
  count: 1 | 2 | 3 | 4;
  n: number;
  seed: number;
  similar?: Similarity;
  scale?: BoxScale;
  /** Custom subject for the first subject (its prompt phrase becomes the bare base word). */
  custom?: CustomSubjectName;
  /** Each prompt ends with " on a <white|gray|cream> background" (training/data.py's wording), drawn per sample. */
  background?: boolean;
  /**
   * Multi-subject prompts only from held-out scenes (./heldout.ts: a pair no --heldout training saw); the subjects'
   * attributes are redrawn until the scene is one. No effect on 1 subject.
   */
  heldout?: boolean;
}

/** The caption grammar of training/data.py caption_for(): "a", "a and b", "a, b and c". */
export function joinCaption(parts: readonly string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function cells(count: number, rng: Rng): Box[] {
  if (count === 1) return [[0, 0, 1, 1]];
  if (count === 2) return rng.sample<Box>(rng.next() < 0.5 ? [[0, 0, 0.5, 1], [0.5, 0, 1, 1]] : [[0, 0, 1, 0.5], [0, 0.5, 1, 1]], 2);
  return rng.sample<Box>([[0, 0, 0.5, 0.5], [0.5, 0, 1, 0.5], [0, 0.5, 0.5, 1], [0.5, 0.5, 1, 1]], count);
}

function boxIn(cell: Box, side: number, rng: Rng): Box {
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  const w = Math.min(side, cell[2] - cell[0]);
  const h = Math.min(side, cell[3] - cell[1]);
  const x0 = rng.uniform(cell[0], cell[2] - w);
  const y0 = rng.uniform(cell[1], cell[3] - h);
  return [round(x0), round(y0), round(x0 + w), round(y0 + h)];
}

/** Attributes of `count` subjects: distinct (shape, colour) pairs, or one shared attribute for similar subjects. */
function attributes(count: number, similar: Similarity, rng: Rng): [ColourName, ShapeName][] {
  if (similar === 'same_colour') {
    const colour = rng.pick(COLOUR_NAMES);
    return rng.sample(SHAPES, count).map((s) => [colour, s]);
  }
  if (similar === 'same_shape') {
    const shape = rng.pick(SHAPES);
    return rng.sample(COLOUR_NAMES, count).map((c) => [c, shape]);
  }
  // Distinct colours and distinct shapes, so colour alone identifies each subject and shape leakage is visible.
  const colours = rng.sample(COLOUR_NAMES, count);
  const shapes = count <= SHAPES.length ? rng.sample(SHAPES, count) : colours.map(() => rng.pick(SHAPES));
  return colours.map((c, k) => [c, shapes[k]]);
}

export function makeSet(name: string, description: string, o: SetOptions): EvalSet {
  if (!(Number.isInteger(o.n) && o.n > 0) || ![1, 2, 3, 4].includes(o.count)) {
    throw new EvalError(EVAL_CODES.spec, `Expected 1-4 subjects and n >= 1 for set "${name}" but received count ${o.count}, n ${o.n}.`);
  }
  const rng = mulberry32(o.seed);
  const samples: EvalSample[] = [];
  for (let i = 0; i < o.n; i++) {
    let attrs = attributes(o.count, o.similar ?? 'none', rng);
    while (o.heldout && o.count > 1 && !heldoutScene(attrs.map(([colour, shape]) => ({ colour, shape })))) {
      attrs = attributes(o.count, o.similar ?? 'none', rng);
    }
    const custom = o.custom ? CUSTOM_SUBJECTS[o.custom] : undefined;
    if (custom) {
      // The custom subject keeps its own colour; the others avoid it (and its shape) so the residual is the only source.
      const colours = rng.sample(COLOUR_NAMES.filter((c) => c !== custom.colour), o.count - 1);
      const shapes = rng.sample(SHAPES.filter((s) => s !== custom.baseWord), o.count - 1);
      attrs = [[custom.colour, custom.baseWord], ...colours.map((c, k): [ColourName, ShapeName] => [c, shapes[k]])];
    }
    const side = BOX_SIDE[o.scale ?? 'default'][o.count];
    const cellList = cells(o.count, rng);
    const subjects: EvalSubject[] = attrs.map(([colour, shape], k) => {
      const isCustom = k === 0 && o.custom !== undefined;
      return { colour, shape, phrase: isCustom ? shape : `${colour} ${shape}`, box: boxIn(cellList[k], side, rng), ...(isCustom ? { custom: o.custom } : {}) };
    });
    const order = rng.sample(subjects.map((_, k) => k), subjects.length);
    const prompt = joinCaption(order.map((k) => `a ${subjects[k].phrase}`));
    const seed = o.seed * 1000 + i;
    if (o.background) {
      const background = rng.pick(BACKGROUND_NAMES);
      samples.push({ id: `${name}/${i}`, prompt: `${prompt} on a ${background} background`, subjects, seed, background });
    } else {
      samples.push({ id: `${name}/${i}`, prompt, subjects, seed });
    }
  }
  return { name, description, samples };
}

/** The sample's subjects as layout boxes, each with the layout strength gamma+ `strength`. */
export function layoutSubjects(sample: EvalSample, strength: number): BoxSubject[] {
  return sample.subjects.map((s) => ({ phrase: s.phrase, box: s.box, strength }));
}

/** Seeds of the standard sets; each set has its own so adding a set never changes another. */
export const SET_SEEDS = { one: 101, two: 102, three: 103, four: 104, sameColour: 105, sameShape: 106, twoSmall: 107, twoLarge: 108, twoHalves: 109, custom: 110, oneBackground: 201, twoBackground: 202, heldoutOne: 301, heldoutTwo: 302, heldoutFour: 304, heldoutOneBackground: 311, heldoutTwoBackground: 312 } as const;

/** The paper's comparison sets: 1-4 subjects, plus the two kinds of similar subjects (2 subjects each). */
export function standardSets(n: number): EvalSet[] {
  return [
    makeSet('one', '1 subject', { count: 1, n, seed: SET_SEEDS.one }),
    makeSet('two', '2 subjects, distinct colours and shapes', { count: 2, n, seed: SET_SEEDS.two }),
    makeSet('three', '3 subjects', { count: 3, n, seed: SET_SEEDS.three }),
    makeSet('four', '4 subjects', { count: 4, n, seed: SET_SEEDS.four }),
    makeSet('same_colour', '2 subjects, same colour, different shapes', { count: 2, n, seed: SET_SEEDS.sameColour, similar: 'same_colour' }),
    makeSet('same_shape', '2 subjects, same shape, different colours', { count: 2, n, seed: SET_SEEDS.sameShape, similar: 'same_shape' }),
  ];
}

/** Box-size sets for the gw sweep. */
export function boxSizeSets(n: number): EvalSet[] {
  return [
    makeSet('two_small', `2 subjects, small boxes (side ${BOX_SIDE.small[2]})`, { count: 2, n, seed: SET_SEEDS.twoSmall, scale: 'small' }),
    makeSet('two_large', `2 subjects, large boxes (side ${BOX_SIDE.large[2]})`, { count: 2, n, seed: SET_SEEDS.twoLarge, scale: 'large' }),
  ];
}

/** The model card's layout set (experiment "model"): 2 subjects, each box one half of the image (left/right or top/bottom). */
export function halvesSets(n: number): EvalSet[] {
  return [makeSet('two_halves', '2 subjects, boxes = the two halves of the image', { count: 2, n, seed: SET_SEEDS.twoHalves, scale: 'cell' })];
}

/** Background-word sets: 1 and 2 subjects whose prompts name the background colour. */
export function backgroundSets(n: number): EvalSet[] {
  return [
    makeSet('one_background', '1 subject "on a <colour> background"', { count: 1, n, seed: SET_SEEDS.oneBackground, background: true }),
    makeSet('two_background', '2 subjects "on a <colour> background"', { count: 2, n, seed: SET_SEEDS.twoBackground, background: true }),
  ];
}

/**
 * The held-out split (./heldout.ts) for issue 28's targets: 1, 2 and 4 subjects, and the background words with 1
 * and 2 subjects. Every multi-subject prompt holds a pair of objects that a model trained with --heldout never saw.
 */
export function heldoutSets(n: number): EvalSet[] {
  return [
    makeSet('heldout_one', '1 subject (fresh boxes and seeds)', { count: 1, n, seed: SET_SEEDS.heldoutOne }),
    makeSet('heldout_two', '2 subjects, held-out pairs', { count: 2, n, seed: SET_SEEDS.heldoutTwo, heldout: true }),
    makeSet('heldout_four', '4 subjects, each scene with a held-out pair', { count: 4, n, seed: SET_SEEDS.heldoutFour, heldout: true }),
    makeSet('heldout_one_background', '1 subject "on a <colour> background"', { count: 1, n, seed: SET_SEEDS.heldoutOneBackground, background: true }),
    makeSet('heldout_two_background', '2 subjects (held-out pairs) "on a <colour> background"', { count: 2, n, seed: SET_SEEDS.heldoutTwoBackground, background: true, heldout: true }),
  ];
}

/** Custom-subject sets: the subject alone ("a circle"), and with one ordinary subject in a layout. */
/** Each subject's sets are seeded by its place in CUSTOM_SUBJECTS, so they do not depend on which others are asked for. */
export function customSets(n: number, names: readonly CustomSubjectName[]): EvalSet[] {
  const order = Object.keys(CUSTOM_SUBJECTS);
  return names.map((name) => [name, order.indexOf(name)] as const).flatMap(([name, k]) => [
    makeSet(`${name}_alone`, `custom ${name} alone ("a ${CUSTOM_SUBJECTS[name].baseWord}")`, { count: 1, n, seed: SET_SEEDS.custom + 10 * k, custom: name }),
    makeSet(`${name}_pair`, `custom ${name} + 1 subject`, { count: 2, n, seed: SET_SEEDS.custom + 10 * k + 1, custom: name }),
  ]);
}
