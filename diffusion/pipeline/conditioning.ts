import type { SdModel } from '../model/load';
import { encodeChunks } from '../model/text-encoder';
import { addResidual } from '../residuals';
import type { F32Tensor } from '../tensor';
import { alignBatch, findPhrase, type PhraseOccurrence, type Tokenized } from '../tokenizer';

/** A residual placed on a prompt, kept for provenance and for layout maps that follow the same phrase. */
export interface AppliedResidual {
  phrase: string;
  positions: number[];
  strength: number;
  source: string;
}

/**
 * What flows from Encode to the sampler: the conditional and unconditional embeddings of one CFG batch, of the same
 * length L (chunk-aligned), plus the tokens so later stages can find phrases. Residuals touch `cond` only.
 */
export interface Conditioning {
  modelId: string;
  tokens: Tokenized;
  /** cond: [1, L, D] */
  cond: F32Tensor;
  /** uncond: [1, L, D] */
  uncond: F32Tensor;
  negativePrompt: string;
  residuals: AppliedResidual[];
}

/**
 * The Encode stage: the negative prompt is tokenized adaptively, both halves of the CFG batch are chunk-aligned
 * (a long negative prompt grows the positive one too) and encoded. No residuals yet.
 */
export async function encodeConditioning(model: SdModel, tokens: Tokenized, negative: string): Promise<Conditioning> {
  const [condTokens, uncondTokens] = alignBatch(tokens, model.tokenizer.tokenize(negative, { mode: 'adaptive' }));
  const cond = await encodeChunks(model, condTokens.chunks); // [1, L, D]
  const uncond = await encodeChunks(model, uncondTokens.chunks); // [1, L, D]
  return { modelId: model.id, tokens: condTokens, cond, uncond, negativePrompt: negative, residuals: [] };
}

/** One residual to place on a phrase of the prompt. */
export interface ResidualPlacement {
  /** Δ: [D] */
  vector: Float32Array;
  /** The subject word(s) as written in the prompt. */
  phrase: string;
  /** Which occurrences of the phrase get it (default every one). */
  occurrence?: PhraseOccurrence;
  /** For a phrase of several tokens: its first token (default, the reference's single-token behaviour) or each. */
  tokens?: 'first' | 'all';
  strength?: number;
  /** Provenance label recorded in `residuals` (the base word or file). */
  source: string;
}

/**
 * Cones 2 (paper section 3.2, docs/method.md section 1): adds Δ to the conditional embedding at the phrase's
 * token(s); the unconditional half is never touched. Returns a new Conditioning with the placement recorded.
 */
export function addResidualAtPhrase(conditioning: Conditioning, placement: ResidualPlacement): Conditioning {
  const { vector, phrase, occurrence = 'all', tokens = 'first', strength = 1, source } = placement;
  const occurrences = findPhrase(conditioning.tokens, phrase, occurrence);
  const positions = occurrences.flatMap((o) => (tokens === 'all' ? o : [o[0]]));
  const cond = addResidual(conditioning.cond, vector, positions, strength); // [1, L, D]
  return { ...conditioning, cond, residuals: [...conditioning.residuals, { phrase, positions, strength, source }] };
}

export function describeConditioning(conditioning: Conditioning): string {
  return `Conditioning(L=${conditioning.cond.dims[1]}, D=${conditioning.cond.dims[2]}, residuals=${conditioning.residuals.length})`;
}
