import { defineNode, input, output } from '../../engine';
import type { GuidanceRule } from '../../diffusion/guidance';
import { GUIDANCE } from '../diffusion-ports';
import { FLOAT } from '../ports';

export const SigmaScaledCfgNode = defineNode({
  type: 'SigmaScaledCFG',
  version: 1,
  category: 'guidance',
  description: 'The report\'s "CFG++": CFG with a per-step scale w_i = w (1 + sigma_i / sigma_max).',
  inputs: { scale: input<number>(FLOAT, { schema: { type: 'number', default: 5, minimum: 0, maximum: 50 } }) },
  outputs: { guidance: output<GuidanceRule>(GUIDANCE) },
  run: ({ scale }) => ({ guidance: { kind: 'sigma_scaled_cfg' as const, scale } }),
});
