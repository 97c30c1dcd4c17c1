/**
 * Recomputes the logits a com.microsoft MultiHeadAttention keeps internal, only to take their std:
 * L = scale * Q K^T (+ its existing attention_bias), in float32.
 * This materialises [B, H, S, T] once per call, the memory the fused kernel avoids; it is the price
 * of the paper's std(S) term.
 */
import { DataType, type NodeProto } from '../proto';
import type { SubgraphBuilder } from './builder';
import type { GraphIndex } from './graph-index';

/** L: [B, H, S, T] float32. */
export function fusedLogits(builder: SubgraphBuilder, index: GraphIndex, mha: NodeProto): string {
  const heads = index.intAttr(mha, 'num_heads') ?? 1;
  const [query, key, value] = mha.input;
  const up = (x: string, label: string) => builder.cast(x, DataType.FLOAT, label); // no-op for fp32 models
  const splitHeads = builder.i64([0, 0, heads, -1], 'split_heads'); //            [B, L, H, d]
  const qHeads = builder.op('Reshape', [up(query, 'query_f32'), splitHeads], {}, 'q_heads'); // [B, S, H, d]
  const q4 = builder.op('Transpose', [qHeads], { perm: [0, 2, 1, 3] }, 'q4'); //  [B, H, S, d]
  let kHeads: string; //                                                          [B, T, H, d]
  if (value) {
    kHeads = builder.op('Reshape', [up(key, 'key_f32'), splitHeads], {}, 'k_heads');
  } else {
    // Packed key/value [B, T, H, 2, d]: the key is index 0 of axis 3.
    const k = builder.op('Slice', [
      up(key, 'kv_f32'), builder.i64([0], 'k_start'), builder.i64([1], 'k_end'), builder.i64([3], 'k_axis'),
    ], {}, 'k_packed');
    kHeads = builder.op('Squeeze', [k, builder.i64([3], 'k_squeeze')], {}, 'k_heads');
  }
  const kT = builder.op('Transpose', [kHeads], { perm: [0, 2, 3, 1] }, 'k_t'); //  kT: [B, H, d, T]
  const raw = builder.op('MatMul', [q4, kT], {}, 'qk'); //                         qk: [B, H, S, T]
  const given = index.floatAttr(mha, 'scale');
  let scale: string;
  if (given) {
    scale = builder.f32(given, 'scale');
  } else {
    // MultiHeadAttention's default scale is 1/sqrt(head size).
    const d = builder.cast(builder.slice1d(builder.op('Shape', [q4], {}, 'q4_shape'), 3, 4, 'head_size'), DataType.FLOAT, 'head_size_f32');
    scale = builder.op('Div', [builder.f32(1, 'one_scale'), builder.op('Sqrt', [d], {}, 'sqrt_d')], {}, 'scale');
  }
  const logits = builder.op('Mul', [raw, scale], {}, 'logits'); //                 L: [B, H, S, T]
  const existing = mha.input[5];
  return existing ? builder.op('Add', [logits, up(existing, 'attn_bias_f32')], {}, 'logits_biased') : logits;
}

/** The bias broadcast to [B, 1, S, T]: attention_bias may broadcast batch and heads, not S or T. */
export function expandForFused(builder: SubgraphBuilder, bias: string, logits: string, batch: string): string {
  const st = builder.slice1d(builder.op('Shape', [logits], {}, 'fused_shape'), 2, 4, 'fused_st');
  const shape = builder.op('Concat', [batch, builder.i64([1], 'one_head'), st], { axis: 0 }, 'bias_shape');
  return builder.op('Expand', [bias, shape], {}, 'bias_expanded');
}
