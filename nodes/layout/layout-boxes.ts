import { defineNode, input, output } from '../../engine';
import { DEFAULT_SUBJECT_STRENGTH, validateBox, type Box } from '../../diffusion/layout';
import type { Layout } from '../../diffusion/pipeline/layout-plan';
import { LAYOUT } from '../diffusion-ports';
import type { LayoutFacts } from '../facts';

interface BoxEntry {
  phrase: string;
  box: [number, number, number, number];
  strength?: number;
}

export const LayoutBoxesNode = defineNode({
  type: 'LayoutBoxes',
  version: 1,
  category: 'layout',
  description: 'One box per subject phrase: [x0, y0, x1, y1] as fractions of the image, top-left origin; ' +
    'strength is the positive boost (reference 2.5).',
  inputs: {
    boxes: input<BoxEntry[]>('LAYOUT_BOXES', {
      schema: {
        type: 'array',
        'x-widget': 'layout',
        default: [],
        items: {
          type: 'object',
          required: ['phrase', 'box'],
          additionalProperties: false,
          properties: {
            phrase: { type: 'string', minLength: 1 },
            box: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 4, maxItems: 4 },
            strength: { type: 'number', minimum: 0, maximum: 100, default: DEFAULT_SUBJECT_STRENGTH },
          },
        },
      },
    }),
  },
  outputs: { layout: output<Layout>(LAYOUT) },
  check: async ({ literals }, ctx) => {
    const { boxes } = literals;
    if (!boxes) return;
    for (const b of boxes) await ctx.attempt('boxes', () => validateBox(b.phrase, b.box as Box));
    return { facts: { layout: { kind: 'layout', phrases: boxes.map((b) => b.phrase) } satisfies LayoutFacts } };
  },
  run: ({ boxes }) => {
    for (const b of boxes) validateBox(b.phrase, b.box as Box);
    const subjects = boxes.map((b) => ({ phrase: b.phrase, box: b.box as Box, strength: b.strength ?? DEFAULT_SUBJECT_STRENGTH }));
    const layout: Layout = { subjects, source: 'boxes' };
    return { outputs: { layout }, ui: { text: boxes.map((b) => `${b.phrase}: [${b.box.join(', ')}]`).join('; ') } };
  },
});
