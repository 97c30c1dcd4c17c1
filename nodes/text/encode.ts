import { defineNode, input, output } from '../../engine';
import type { SdModel } from '../../diffusion/model/load';
import { encodeConditioning, type Conditioning } from '../../diffusion/pipeline/conditioning';
import type { Tokenized } from '../../diffusion/tokenizer';
import { CONDITIONING, MODEL, TOKENS } from '../diffusion-ports';
import { alignBatch } from '../../diffusion/tokenizer';
import { knownText, modelFacts, tokensFacts, type ConditioningFacts } from '../facts';
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
  // Passes the tokens on, aligned with the negative prompt as encodeConditioning() aligns them, with the model's width.
  check: async ({ literals, facts }, ctx) => {
    const model = modelFacts(facts.model);
    const tokens = tokensFacts(facts.tokens);
    const negative = knownText(literals.negative, facts.negative);
    if (!model || !tokens) return;
    const aligned = negative === undefined
      ? tokens.tokenized
      : (await ctx.attempt('negative', () => alignBatch(tokens.tokenized, model.tokenizer.tokenize(negative, { mode: 'adaptive' }))))?.[0];
    if (!aligned) return;
    const conditioning: ConditioningFacts = { kind: 'conditioning', tokens: aligned, modelId: model.id, textWidth: model.textWidth };
    return { facts: { conditioning } };
  },
  run: async ({ model, tokens, negative }) => ({ conditioning: await encodeConditioning(model, tokens, negative) }),
});
