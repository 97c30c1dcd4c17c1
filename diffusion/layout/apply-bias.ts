/**
 * Reference (spec) implementation of the Cones 2 layout bias on one cross-attention call, conditional branch.
 * The ONNX surgery must reproduce it; its tests compare against this function.
 *
 *   L      = (Q K^T) d^-0.5                       logits, already scaled: [heads, S, T]
 *   s      = std(L)                               one scalar over the whole tensor (all heads), UNBIASED (N - 1):
 *                                                the reference calls torch's default Tensor.std(), correction = 1
 *   out    = L + gw * eta * s * W_pos[s, t]       (= (S + gw eta std(S) W_pos) d^-0.5, since std is linear)
 *          + LAYOUT_MASK_LOGIT where negMask[s, t]
 *
 * The mask is only applied when gw * eta != 0, as in the reference, where the -1e8 is itself multiplied by
 * gw * eta * s: an unguided step (eta = 0, or past guidance_steps) gets neither bias nor mask.
 */
import { ModelError } from '../errors';
import { f32, type F32Tensor } from '../tensor';
import { LAYOUT_CODES } from './codes';
import type { MaskTensor } from './downsample';

/**
 * Added to masked logits. exp(-1e4) underflows to exactly 0 in float32 (below ~exp(-104)) and in float16
 * (below ~exp(-17)), so masked tokens get zero probability; -1e4 is representable in float16 (max 65504) and,
 * being finite, never produces NaN, unlike -Infinity in a row whose every entry is masked (which cannot happen
 * here anyway: BOS is never masked). The reference's -1e8 * gw * eta * std would overflow float16.
 */
export const LAYOUT_MASK_LOGIT = -1e4;

/** Unbiased standard deviation (divides by N - 1), accumulated in float64. */
export function unbiasedStd(data: Float32Array): number {
  const n = data.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const v of data) mean += v;
  mean /= n;
  let sum = 0;
  for (const v of data) sum += (v - mean) ** 2;
  return Math.sqrt(sum / (n - 1));
}

export function applyLayoutBias(logits: F32Tensor, wPos: F32Tensor, negMask: MaskTensor, gw: number, eta: number): Float32Array {
  const [heads, S, T] = logits.dims;
  const ok = logits.dims.length === 3
    && wPos.dims.length === 2 && wPos.dims[0] === S && wPos.dims[1] === T
    && negMask.dims.length === 2 && negMask.dims[0] === S && negMask.dims[1] === T && negMask.data.length === S * T;
  if (!ok) {
    throw new ModelError(LAYOUT_CODES.shape, 'Expected logits [heads, S, T] with wPos and negMask [S, T] ' +
      `but received logits [${logits.dims.join(', ')}], wPos [${wPos.dims.join(', ')}], negMask [${negMask.dims.join(', ')}].`, {
      hint: 'Use the ResolutionBias of the layer\'s own resolution (S = h * w) and the prompt\'s sequence length T.',
    });
  }
  const out = logits.data.slice(); // [heads, S, T]
  const scale = gw * eta;
  if (scale === 0) return out;
  const biasScale = scale * unbiasedStd(logits.data);
  const plane = S * T;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < plane; i++) {
      out[h * plane + i] += biasScale * wPos.data[i] + (negMask.data[i] ? LAYOUT_MASK_LOGIT : 0);
    }
  }
  return out;
}

/**
 * The mask in additive form, [S, T] of 0 and LAYOUT_MASK_LOGIT, for graphs that take it as a float input next to
 * W_pos (bias = gw * eta * std(L) * W_pos + maskLogits whenever gw * eta != 0).
 */
export function maskLogits(negMask: MaskTensor): F32Tensor {
  return f32(negMask.dims, Float32Array.from(negMask.data, (m) => (m ? LAYOUT_MASK_LOGIT : 0))); // [S, T]
}
