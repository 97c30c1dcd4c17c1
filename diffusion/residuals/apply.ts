/**
 * Adding residual token embeddings to a prompt embedding (Cones 2, paper section 3.2 eq. 6; docs/method.md section 2):
 *
 *   E'[0, p, :] = E[0, p, :] + strength * Δ     for every p in positions
 *
 * E is the text encoder OUTPUT (last_hidden_state, after the final LayerNorm) of the CONDITIONAL prompt only; the
 * unconditional embedding is never touched. Position 0 is BOS.
 */
import { ModelError } from '../errors';
import { f32, type F32Tensor } from '../tensor';
import { RESIDUAL_CODES } from './codes';

/** Returns a new tensor; `embedding` is left unchanged. Repeated positions add Δ once per occurrence in the list. */
export function addResidual(embedding: F32Tensor, residual: Float32Array, positions: readonly number[], strength = 1): F32Tensor {
  if (embedding.dims.length !== 3 || embedding.dims[0] !== 1) {
    throw new ModelError(RESIDUAL_CODES.shape, 'Expected a prompt embedding of shape [1, L, D] ' +
      `but received [${embedding.dims.join(', ')}].`, {
      hint: 'Add residuals to one conditional prompt embedding at a time, before batching it with the unconditional one.',
    });
  }
  const [, length, width] = embedding.dims;
  if (residual.length !== width) {
    throw new ModelError(RESIDUAL_CODES.width, `Expected a residual of width ${width} (the text encoder output) ` +
      `but received ${residual.length}.`, {
      hint: 'The residual was trained for a different text encoder (1024 = SD 2.x, 768 = SD 1.x).',
    });
  }
  for (const p of positions) {
    if (!Number.isInteger(p) || p < 0 || p >= length) {
      throw new ModelError(RESIDUAL_CODES.position, `Expected token positions in [0, ${length}) for a ${length}-token prompt embedding ` +
        `but received ${p}.`, {
        hint: 'Positions come from the tokenized prompt (BOS is 0); tokenize and encode the same prompt.',
      });
    }
  }
  const out = f32(embedding.dims, Float32Array.from(embedding.data)); // out: [1, L, D]
  for (const p of positions) {
    const row = p * width;
    for (let d = 0; d < width; d++) out.data[row + d] += strength * residual[d];
  }
  return out;
}
