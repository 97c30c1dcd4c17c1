import { defineNode, input, output } from '../../engine';
import { maskFromRegions, type ImageMask } from '../../diffusion/image/mask';
import { rasteriseSubjects } from '../../diffusion/layout';
import type { Layout } from '../../diffusion/pipeline/layout-plan';
import { NodeError } from '../codes';
import { LAYOUT, MASK } from '../diffusion-ports';
import { BOOLEAN, INT, STRING } from '../ports';

const side = () => input<number>(INT, { schema: { type: 'integer', default: 512, minimum: 8, maximum: 4096 } });

export const MaskFromLayoutNode = defineNode({
  type: 'MaskFromLayout',
  version: 1,
  category: 'layout',
  description: 'An inpainting mask from layout regions: the box a subject is placed in is the region repainted, so ' +
    'one layout both places the subject (Cones 2) and opens room for it in an existing picture.',
  inputs: {
    layout: input<Layout>(LAYOUT),
    phrases: input<string>(STRING, {
      schema: { type: 'string', default: '' },
      description: 'Comma-separated phrases whose regions are repainted; empty = every subject of the layout.',
    }),
    invert: input<boolean>(BOOLEAN, { schema: { type: 'boolean', default: false } }),
    width: side(),
    height: side(),
  },
  outputs: { mask: output<ImageMask>(MASK) },
  run: ({ layout, phrases, invert, width, height }) => {
    const wanted = phrases.split(',').map((p) => p.trim()).filter(Boolean);
    const missing = wanted.filter((p) => !layout.subjects.some((s) => s.phrase === p));
    if (missing.length) {
      throw new NodeError('E_MASK_PHRASE', `Expected the layout to have subjects ${missing.map((p) => `"${p}"`).join(', ')} ` +
        `but it has ${layout.subjects.map((s) => `"${s.phrase}"`).join(', ') || 'none'}.`, { hint: 'Leave phrases empty for every subject.' });
    }
    const chosen = wanted.length ? layout.subjects.filter((s) => wanted.includes(s.phrase)) : layout.subjects;
    const regions = rasteriseSubjects(chosen, height, width).map((m) => m.mask);
    const mask = maskFromRegions(regions, width, height, invert);
    return { outputs: { mask }, ui: { text: `${chosen.length} region(s) ${invert ? 'kept' : 'repainted'}` } };
  },
});
