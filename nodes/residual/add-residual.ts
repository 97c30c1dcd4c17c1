import { defineNode, input, output } from '../../engine';
import { addResidualAtPhrase, type Conditioning } from '../../diffusion/pipeline/conditioning';
import { checkResidualWidth, type Residual } from '../../diffusion/residuals';
import { CONDITIONING, RESIDUAL } from '../diffusion-ports';
import { findPhrase, type PhraseOccurrence } from '../../diffusion/tokenizer';
import { conditioningFacts, knownText, residualFacts } from '../facts';
import { FLOAT, STRING } from '../ports';

/**
 * Cones 2 (paper section 3.2): the residual is added to the text encoder output at the subject's token(s), on the
 * conditional embedding only. A phrase of several tokens ("robot toy") gets it on its first token (default, the
 * reference's single-token behaviour) or on every token.
 */
export const AddResidualNode = defineNode({
  type: 'AddResidual',
  version: 1,
  category: 'conditioning',
  description: 'Adds a subject residual to the conditioning at a phrase of the prompt (conditional branch only).',
  inputs: {
    conditioning: input<Conditioning>(CONDITIONING),
    residual: input<Residual>(RESIDUAL),
    phrase: input<string>(STRING, {
      schema: { type: 'string', minLength: 1 },
      description: 'The subject word as written in the prompt, e.g. "circle".',
    }),
    occurrence: input<string>(STRING, {
      schema: { type: 'string', pattern: '^(all|first|[0-9]+)$', default: 'all' },
      description: 'all, first, or a 0-based occurrence index.',
    }),
    tokens: input<'first' | 'all'>(STRING, {
      schema: { type: 'string', enum: ['first', 'all'], default: 'first' },
      description: 'For a multi-token phrase: add to its first token or to each token.',
    }),
    strength: input<number>(FLOAT, { schema: { type: 'number', default: 1, minimum: -10, maximum: 10 } }),
  },
  outputs: { conditioning: output<Conditioning>(CONDITIONING) },
  // The run's two checks, on facts: the residual's width against the model's, the phrase in the prompt's words.
  check: async ({ literals, facts }, ctx) => {
    const conditioning = conditioningFacts(facts.conditioning);
    const residual = residualFacts(facts.residual);
    const phrase = knownText(literals.phrase, facts.phrase);
    if (conditioning?.textWidth !== undefined && residual) {
      const width = conditioning.textWidth;
      await ctx.attempt('residual', () => checkResidualWidth(residual, width, { model: conditioning.modelId }));
    }
    if (conditioning && phrase !== undefined && literals.occurrence !== undefined) {
      const which = occurrenceOf(literals.occurrence);
      const found = await ctx.attempt('phrase', () => findPhrase(conditioning.tokens, phrase, 'all'));
      if (found && which !== 'all') await ctx.attempt('occurrence', () => findPhrase(conditioning.tokens, phrase, which));
    }
    return { facts: { conditioning } }; // residuals do not change the tokens
  },
  run: ({ conditioning, residual, phrase, occurrence, tokens, strength }) => {
    checkResidualWidth(residual, conditioning.cond.dims[2], { model: conditioning.modelId });
    const which = occurrenceOf(occurrence);
    const source = residual.baseWord ?? 'residual';
    const result = addResidualAtPhrase(conditioning, { vector: residual.vector, phrase, occurrence: which, tokens, strength, source });
    const { positions } = result.residuals[result.residuals.length - 1];
    return { outputs: { conditioning: result }, ui: { text: `"${phrase}" at token(s) ${positions.join(', ')}` } };
  },
});

/** "all", "first" or a 0-based index, as the input's pattern allows. */
function occurrenceOf(occurrence: string): PhraseOccurrence {
  return occurrence === 'all' || occurrence === 'first' ? occurrence : Number(occurrence);
}
