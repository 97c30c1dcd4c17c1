/** Inputs for the synthetic attention models, and the layout bias feeds of the patched ones. */
import { Tensor } from '../../../../diffusion/onnx/ort';
import { DIMS, seeded } from './synthetic-attention';

const { B, S, T, C, CT } = DIMS;
export const hidden = seeded(B * S * C, 101); //               [B, S, C]
export const text = seeded(B * T * CT, 202); //                 [B, T, CT]

export function baseFeeds(): Record<string, Tensor> {
  return { hidden: new Tensor('float32', hidden, [B, S, C]), encoder_hidden_states: new Tensor('float32', text, [B, T, CT]) };
}

/**
 * A guided conditional row and an untouched unconditional row (batch order [uncond, cond]):
 * pos = gw * eta * W_pos with W_pos in [-2.5, 2.5] (Cones 2 default strength 2.5), gw = 0.08, eta = 5.4
 * (ln(1 + sigma^2) at the first of 50 steps); neg = -1e4 on some cells, never a whole row.
 */
export function layoutMaps(seed: number): { pos: Float32Array; neg: Float32Array } {
  const gwEta = 0.08 * 5.4;
  const w = seeded(S * T, seed);
  const pos = new Float32Array(B * S * T);
  const neg = new Float32Array(B * S * T);
  for (let i = 0; i < S * T; i++) {
    pos[S * T + i] = gwEta * 2.5 * w[i];
    neg[S * T + i] = i % T === 1 && w[i] > 0.3 ? -1e4 : 0;
  }
  return { pos, neg };
}

export function layoutFeeds(layer: number, maps: { pos: Float32Array; neg: Float32Array } | null): Record<string, Tensor> {
  const zeros = new Float32Array(B * S * T);
  return {
    [`layout_pos_${layer}`]: new Tensor('float32', maps?.pos ?? zeros, [B, 1, S, T]),
    [`layout_neg_${layer}`]: new Tensor('float32', maps?.neg ?? zeros, [B, 1, S, T]),
  };
}
