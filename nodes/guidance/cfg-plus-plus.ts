import { defineNode, input, output } from '../../engine';
import type { GuidanceRule } from '../../diffusion/guidance';
import { GUIDANCE } from '../diffusion-ports';
import { FLOAT } from '../ports';

/**
 * CFG++ (Chung et al. 2024): the step re-noises with the unconditional noise; equal to CFG with
 * w_i = lambda sigma_i / (sigma_i - sigma_(i+1)).
 */
export const CfgPlusPlusNode = defineNode({
  type: 'CFGPlusPlus',
  version: 1,
  category: 'guidance',
  description: 'CFG++ (Chung et al. 2024) with lambda in [0, 1]. The sampler reports the equivalent per-step CFG scale; ' +
    're-tune lambda when steps or schedule change.',
  inputs: { lambda: input<number>(FLOAT, { schema: { type: 'number', default: 0.6, minimum: 0, maximum: 1 } }) },
  outputs: { guidance: output<GuidanceRule>(GUIDANCE) },
  run: ({ lambda }) => ({ guidance: { kind: 'cfgpp' as const, lambda } }),
});
