import type { F32Tensor } from '../tensor';
import type { Tokenized } from '../tokenizer';

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

export function describeConditioning(c: Conditioning): string {
  return `Conditioning(L=${c.cond.dims[1]}, D=${c.cond.dims[2]}, residuals=${c.residuals.length})`;
}
