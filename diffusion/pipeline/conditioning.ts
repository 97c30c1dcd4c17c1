import type { SdModel } from '../model/load';
import { encodeChunks } from '../model/text-encoder';
import type { F32Tensor } from '../tensor';
import { alignBatch, type Tokenized } from '../tokenizer';

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

export function describeConditioning(c: Conditioning): string {
  return `Conditioning(L=${c.cond.dims[1]}, D=${c.cond.dims[2]}, residuals=${c.residuals.length})`;
}
