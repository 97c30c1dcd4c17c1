import { defineNode, input, output } from '../../engine';
import type { SdModel } from '../../diffusion/model/load';
import { encodeConditioning, type Conditioning } from '../../diffusion/pipeline/conditioning';
import type { Tokenized } from '../../diffusion/tokenizer';
import { CONDITIONING, MODEL, TOKENS } from '../diffusion-ports';
import { STRING } from '../ports';

export const EncodeNode = defineNode({
  type: 'Encode',
  version: 1,
  category: 'conditioning',
  description: 'Text encoder: tokens -> conditioning [1, L, D], plus the unconditional (negative) embedding of the same length for CFG.',
  inputs: {
    model: input<SdModel>(MODEL),
    tokens: input<Tokenized>(TOKENS),
    negative: input<string>(STRING, {
      schema: { type: 'string', default: '' },
      description: 'Unconditional prompt; "" as in the reference.',
    }),
  },
  outputs: { conditioning: output<Conditioning>(CONDITIONING) },
  run: async ({ model, tokens, negative }) => ({ conditioning: await encodeConditioning(model, tokens, negative) }),
});
