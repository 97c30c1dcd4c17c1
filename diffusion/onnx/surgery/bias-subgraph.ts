/**
 * The nodes that turn the host's layout maps into an additive logits bias (Cones 2, section 3.3):
 *
 *   s      = std(L[b])            per batch row b, over all heads and positions, unbiased like torch.std
 *   bias_b = s_b * pos_b + neg_b  pos = gate * gw * eta_i * W_pos, neg = hard mask   [B, 1, S, T]
 *
 * L is the logits as the Softmax sees them, already scaled by d^-0.5. Because std is linear in scale,
 * gw * eta * std(L) * W_pos on scaled logits equals the paper's (S + gw * eta * std(S) * W_pos) * d^-0.5.
 *
 * Batch contract (as in diffusers): rows are [uncond..., cond...]. The std is taken per batch row, so
 * with B = 2 it is exactly the std over the conditional element's logits (all heads); the host keeps
 * the unconditional rows unbiased by passing zeros there. Per-row std also makes one image's bias
 * independent of what else shares the batch.
 *
 * The statistics and the bias are float32 whatever the model computes in: fp16 logits are cast up (a
 * sum of squares over H*S*T values overflows half precision) and the bias is cast to the logits' type.
 */
import { DataType } from '../proto';
import type { SubgraphBuilder } from './builder';

export interface BiasInputs {
  /** [B] int64: the UNet batch, read from the text input's shape. */
  batch: string;
  pos: string;
  neg: string;
  /** The text input's element type: used below opset 15 only when the logits' type cannot be inferred. */
  fallbackType: number | null;
}

/** s: [B, 1, 1, 1] float32, the unbiased std of each batch row of `logits` (any rank, batch rows first). */
export function rowStd(builder: SubgraphBuilder, logits: string, inp: BiasInputs): string {
  // A no-op for float32 logits (ORT's CastElimination drops it); float16 logits must not be reduced in fp16.
  const x = builder.cast(logits, DataType.FLOAT, 'logits_f32');
  // Row b of the logits is contiguous whether they are [B, H, S, T] or [B*H, S, T] (index b*H + h).
  const flatShape = builder.op('Concat', [inp.batch, builder.i64([-1], 'minus_one')], { axis: 0 }, 'flat_shape');
  const flat = builder.op('Reshape', [x, flatShape], {}, 'flat'); //  flat: [B, N], N = H*S*T
  const mean = builder.reduceMean(flat, [1], 'mean'); //              mean: [B, 1]
  const centred = builder.op('Sub', [flat, mean], {}, 'centred'); //  [B, N]
  // Two-pass variance: E[x^2] - E[x]^2 loses digits in float32 when |mean| >> std.
  const sq = builder.op('Mul', [centred, centred], {}, 'sq');
  const biasedVar = builder.reduceMean(sq, [1], 'biased_var'); //     [B, 1]
  const n = builder.cast(builder.slice1d(builder.op('Shape', [flat], {}, 'flat_dims'), 1, 2, 'n'), DataType.FLOAT, 'n_f32'); // [1]
  const nMinus1 = builder.op('Sub', [n, builder.f32(1, 'one')], {}, 'n_minus_1');
  const bessel = builder.op('Div', [n, nMinus1], {}, 'bessel'); //    N/(N-1), torch.std's default
  const std = builder.op('Sqrt', [builder.op('Mul', [biasedVar, bessel], {}, 'var')], {}, 'std'); // [B, 1]
  return builder.op('Reshape', [std, builder.i64([-1, 1, 1, 1], 'std_shape')], {}, 'std4'); // s: [B, 1, 1, 1]
}

/** bias: [B, 1, S|1, T|1] float32. */
export function layoutBias(builder: SubgraphBuilder, std4: string, inp: BiasInputs): string {
  const scaled = builder.op('Mul', [std4, inp.pos], {}, 'pos_scaled'); //  [B, 1, S, T]
  return builder.op('Add', [scaled, inp.neg], {}, 'bias'); //              [B, 1, S, T]
}

/**
 * logits + bias for logits of rank 3 ([B*H, S, T]) or 4 ([B, H, S, T]): viewed as [B, H, S, T] for
 * the broadcast Add and reshaped back, so one mechanism serves both export styles.
 */
export function addToLogits(builder: SubgraphBuilder, logits: string, bias: string, inp: BiasInputs): string {
  const shape = builder.op('Shape', [logits], {}, 'logits_shape');
  const st = builder.slice1d(shape, -2, null, 'st'); //                       [S, T]
  const shape4 = builder.op('Concat', [inp.batch, builder.i64([-1], 'heads_axis'), st], { axis: 0 }, 'shape4');
  const logits4 = builder.op('Reshape', [logits, shape4], {}, 'logits4'); //  logits4: [B, H, S, T]
  const typed = builder.castLike(bias, logits, inp.fallbackType, 'bias_typed');
  const biased = builder.op('Add', [logits4, typed], {}, 'biased'); //        [B, H, S, T]
  return builder.op('Reshape', [biased, shape], {}, 'biased_logits'); //      original shape
}
