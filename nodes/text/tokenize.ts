import { defineNode, input, output } from '../../engine';
import type { SdModel } from '../../diffusion/model/load';
import type { Tokenized } from '../../diffusion/tokenizer';
import { MODEL, TOKENS } from '../diffusion-ports';
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
  run: ({ model, text, mode, overflow }) => {
    const tokens = model.tokenizer.tokenize(text, mode === 'fixed' ? { mode, overflow } : { mode });
    return { outputs: { tokens }, ui: { text: `${tokens.length} tokens in ${tokens.chunks.length} chunk(s)` } };
  },
});
