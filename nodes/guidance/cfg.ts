import { defineNode, input, output } from '../../engine';
import type { GuidanceRule } from '../../diffusion/guidance';
import { GUIDANCE } from '../diffusion-ports';
import { FLOAT } from '../ports';

export const CfgNode = defineNode({
  type: 'CFG',
  version: 1,
  category: 'guidance',
  description: 'Classifier-free guidance: D = D_u + scale (D_c - D_u) (Ho & Salimans 2022). Reference scale 7.5.',
  inputs: { scale: input<number>(FLOAT, { schema: { type: 'number', default: 7.5, minimum: 0, maximum: 50 } }) },
  outputs: { guidance: output<GuidanceRule>(GUIDANCE) },
  run: ({ scale }) => ({ guidance: { kind: 'cfg' as const, scale } }),
});
