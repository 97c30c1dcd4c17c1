import { defineNode, input, output } from '../../engine';
import { decodePixels, colourLayoutFromPixels, type ColourTable } from '../../diffusion/layout';
import type { Layout } from '../../diffusion/pipeline/layout-plan';
import { LAYOUT } from '../diffusion-ports';
import { knownText, type LayoutFacts } from '../facts';
import { STRING } from '../ports';

/** The Cones 2 reference layout: a colour-coded PNG and a table "R,G,B" -> [phrase, strength], matched exactly. */
export const LayoutFromMaskNode = defineNode({
  type: 'LayoutFromMask',
  version: 1,
  category: 'layout',
  description: 'Subject regions from a colour-coded PNG (exact colour match, nearest resize), as in the Cones 2 reference configs.',
  inputs: {
    image: input<string>(STRING, { schema: { type: 'string', minLength: 1, 'x-widget': 'path', 'x-choices': 'layouts' }, file: 'file' }),
    colours: input<Record<string, [string, number]>>('COLOUR_TABLE', {
      schema: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: '^\\s*\\d{1,3}\\s*,\\s*\\d{1,3}\\s*,\\s*\\d{1,3}\\s*$' },
        additionalProperties: {
          type: 'array', prefixItems: [{ type: 'string', minLength: 1 }, { type: 'number', minimum: 0 }], minItems: 2, maxItems: 2,
        },
      },
      description: '{"255,0,0": ["dog", 2.5], ...}',
    }),
  },
  outputs: { layout: output<Layout>(LAYOUT) },
  // The run's own decode (size-limited file, pixel-limited canvas) and colour match, without keeping the masks.
  check: async ({ literals, facts }, ctx) => {
    const image = knownText(literals.image, facts.image);
    const { colours } = literals;
    if (image === undefined || !colours) return;
    const pixels = await ctx.attempt('image', () => decodePixels(ctx.resolvePath(image)));
    if (pixels) {
      await ctx.attempt('colours', () => {
        colourLayoutFromPixels(pixels, colours as ColourTable, { width: pixels.width, height: pixels.height });
      });
    }
    return { facts: { layout: { kind: 'layout', phrases: Object.values(colours).map(([phrase]) => phrase) } satisfies LayoutFacts } };
  },
  run: async ({ image, colours }, ctx) => {
    const path = ctx.resolvePath(image);
    const pixels = await decodePixels(path);
    const masks = colourLayoutFromPixels(pixels, colours as ColourTable, { width: pixels.width, height: pixels.height });
    const layout: Layout = {
      subjects: masks.map((m) => ({ phrase: m.phrase, mask: m.mask, width: m.width, height: m.height, strength: m.strength })),
      source: path,
    };
    return { outputs: { layout }, ui: { text: masks.map((m) => `${m.phrase} (${m.colour.join(',')})`).join('; ') } };
  },
});
