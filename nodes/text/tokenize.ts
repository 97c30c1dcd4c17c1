import { defineNode, input, output } from '../../engine';
import type { SdModel } from '../../diffusion/model/load';
import type { TokenizeOptions, Tokenized } from '../../diffusion/tokenizer';
import { MODEL, TOKENS } from '../diffusion-ports';
import { knownText, modelFacts, type TokensFacts } from '../facts';
import { STRING } from '../ports';

export const TokenizeNode = defineNode({
  type: 'Tokenize',
  version: 1,
  category: 'conditioning',
  description: 'CLIP BPE tokens of a prompt. fixed: padded to 77 (Cones 2 reference). ' +
    'adaptive: the real token count (report improvement 1); long prompts are split into chunks, never truncated.',
  inputs: {
    model: input<SdModel>(MODEL),
    text: input<string>(STRING, { schema: { type: 'string', default: '', 'x-widget': 'textarea' } }),
    mode: input<'fixed' | 'adaptive'>(STRING, { schema: { type: 'string', enum: ['fixed', 'adaptive'], default: 'fixed' } }),
    overflow: input<'error' | 'truncate' | 'chunk'>(STRING, {
      schema: { type: 'string', enum: ['error', 'truncate', 'chunk'], default: 'error' },
      description: 'fixed mode only: what to do with a prompt over 75 tokens.',
    }),
  },
  outputs: { tokens: output<Tokenized>(TOKENS) },
  // Tokenizing is cheap: a known prompt is tokenized as the run will, so later checks match phrases exactly.
  check: async ({ literals, facts }, ctx) => {
    const model = modelFacts(facts.model);
    const text = knownText(literals.text, facts.text);
    const { mode, overflow } = literals;
    if (!model || text === undefined || !mode) return;
    const tokenized = await ctx.attempt('text', () => model.tokenizer.tokenize(text, tokenizeOptions(mode, overflow)));
    if (tokenized) return { facts: { tokens: { kind: 'tokens', prompt: text, tokenized } satisfies TokensFacts } };
  },
  run: ({ model, text, mode, overflow }) => {
    const tokens = model.tokenizer.tokenize(text, tokenizeOptions(mode, overflow));
    return { outputs: { tokens }, ui: { text: `${tokens.length} tokens in ${tokens.chunks.length} chunk(s)` } };
  },
});

function tokenizeOptions(mode: 'fixed' | 'adaptive', overflow: 'error' | 'truncate' | 'chunk' | undefined): TokenizeOptions {
  return mode === 'fixed' ? { mode, overflow } : { mode };
}
