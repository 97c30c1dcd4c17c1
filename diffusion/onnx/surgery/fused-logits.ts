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
export function fusedLogits(b: SubgraphBuilder, index: GraphIndex, mha: NodeProto): string {
  const heads = index.intAttr(mha, 'num_heads') ?? 1;
  const [query, key, value] = mha.input;
  const up = (x: string, label: string) => b.cast(x, DataType.FLOAT, label); // no-op for fp32 models
  const splitHeads = b.i64([0, 0, heads, -1], 'split_heads'); //                   [B, L, H, d]
  const q4 = b.op('Transpose', [b.op('Reshape', [up(query, 'query_f32'), splitHeads], {}, 'q_heads')], { perm: [0, 2, 1, 3] }, 'q4'); // [B, H, S, d]
  let kHeads: string; //                                                            [B, T, H, d]
  if (value) {
    kHeads = b.op('Reshape', [up(key, 'key_f32'), splitHeads], {}, 'k_heads');
  } else {
    // Packed key/value [B, T, H, 2, d]: the key is index 0 of axis 3.
    const k = b.op('Slice', [up(key, 'kv_f32'), b.i64([0], 'k_start'), b.i64([1], 'k_end'), b.i64([3], 'k_axis')], {}, 'k_packed');
    kHeads = b.op('Squeeze', [k, b.i64([3], 'k_squeeze')], {}, 'k_heads');
  }
  const kT = b.op('Transpose', [kHeads], { perm: [0, 2, 3, 1] }, 'k_t'); //       kT: [B, H, d, T]
  const raw = b.op('MatMul', [q4, kT], {}, 'qk'); //                              qk: [B, H, S, T]
  const given = index.floatAttr(mha, 'scale');
  let scale: string;
  if (given) {
    scale = b.f32(given, 'scale');
  } else {
    // MultiHeadAttention's default scale is 1/sqrt(head size).
    const d = b.cast(b.slice1d(b.op('Shape', [q4], {}, 'q4_shape'), 3, 4, 'head_size'), DataType.FLOAT, 'head_size_f32');
    scale = b.op('Div', [b.f32(1, 'one_scale'), b.op('Sqrt', [d], {}, 'sqrt_d')], {}, 'scale');
  }
  const logits = b.op('Mul', [raw, scale], {}, 'logits'); //                     L: [B, H, S, T]
  const existing = mha.input[5];
  return existing ? b.op('Add', [logits, up(existing, 'attn_bias_f32')], {}, 'logits_biased') : logits;
}

/** The bias broadcast to [B, 1, S, T]: attention_bias may broadcast batch and heads, not S or T. */
export function expandForFused(b: SubgraphBuilder, bias: string, logits: string, batch: string): string {
  const st = b.slice1d(b.op('Shape', [logits], {}, 'fused_shape'), 2, 4, 'fused_st');
  const shape = b.op('Concat', [batch, b.i64([1], 'one_head'), st], { axis: 0 }, 'bias_shape');
  return b.op('Expand', [bias, shape], {}, 'bias_expanded');
}
