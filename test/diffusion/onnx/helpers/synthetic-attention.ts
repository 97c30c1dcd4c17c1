/**
 * Tiny synthetic "UNet" graphs holding one self-attention (attn1) and two cross-attentions (attn2, the
 * second reading the first's residual output), in the three export styles the surgery must handle.
 *
 *   hidden [B, S, C] ──attn1──────────────────────────────> self_out  [B, S, C]
 *   hidden ──attn2(k, v from encoder_hidden_states)──────> cross_out [B, S, C]
 *   hidden + cross_out ──attn2'────────────────────────────> cross2_out
 */
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import { toHalfBits } from '../../../../diffusion/half-precision';
import {
  DataType, externalTensor, floatTensor, int64Tensor, node, valueInfo,
  type ModelProto, type NodeProto, type TensorProto,
} from '../../../../diffusion/onnx/proto';
import { mulberry32 } from '../../../../eval/random';

export type Style = 'pt2' | 'pt1' | 'fused' | 'fused-packed-kv';
export const DIMS = { B: 2, S: 6, T: 5, C: 8, CT: 6, H: 2, D: 4 } as const; // C = H * D

/** Deterministic weights in [-1, 1) from the evaluation's seeded PRNG. */
export function seeded(count: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: count }, () => rng.uniform(-1, 1));
}

export interface Weights { [name: string]: Float32Array }

/** Projection weights [in, out] per attention: q from C, k/v from CT (cross) or C (self). */
export function makeWeights(): Weights {
  const { C, CT } = DIMS;
  const w: Weights = {};
  let seed = 7;
  for (const attn of ['self', 'cross', 'cross2']) {
    const kvIn = attn === 'self' ? C : CT;
    w[`${attn}.q`] = seeded(C * C, seed++);
    w[`${attn}.k`] = seeded(kvIn * C, seed++);
    w[`${attn}.v`] = seeded(kvIn * C, seed++);
  }
  return w;
}

interface Ctx { nodes: NodeProto[]; inits: TensorProto[]; external?: ExternalSink; n: number; half: boolean }
/** Collects weight bytes for a hand-written external-data file. */
export class ExternalSink {
  chunks: Buffer[] = [];
  offset = 0;
  constructor(readonly location: string) {}
  add(values: Float32Array): { offset: number; length: number } {
    const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    const at = { offset: this.offset, length: buf.byteLength };
    this.chunks.push(buf);
    this.offset += buf.byteLength;
    return at;
  }
  bytes(): Buffer { return Buffer.concat(this.chunks); }
}

function op(ctx: Ctx, scope: string, opType: string, inputs: string[], attrs: Record<string, any> = {}, domain = ''): string {
  const name = `${scope}${opType}_${ctx.n++}`;
  ctx.nodes.push(node(opType, name, inputs, [`${name}_output_0`], attrs, domain));
  return `${name}_output_0`;
}
function i64(ctx: Ctx, values: number[]): string {
  const name = `const_${ctx.n++}`;
  ctx.inits.push(int64Tensor(name, [values.length], values));
  return name;
}
/** A float scalar in the model's compute type. */
function f32(ctx: Ctx, value: number): string {
  const name = `const_${ctx.n++}`;
  ctx.inits.push(ctx.half ? halfTensor(name, [], [value]) : floatTensor(name, [], [value]));
  return name;
}
function halfTensor(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  const t = floatTensor(name, dims, []);
  const bits = toHalfBits(values);
  t.dataType = DataType.FLOAT16;
  t.rawData = new Uint8Array(bits.buffer as ArrayBuffer, bits.byteOffset, bits.byteLength);
  return t;
}
/**
 * A weight as an initializer, or with `external`, in the external file: the v weights as a Constant
 * node whose attribute tensor is external (ORT and the surgery must both keep that reference).
 */
function weight(ctx: Ctx, name: string, dims: number[], values: Float32Array): string {
  if (!ctx.external) { ctx.inits.push(ctx.half ? halfTensor(name, dims, values) : floatTensor(name, dims, values)); return name; }
  const { offset, length } = ctx.external.add(values);
  const t = externalTensor(name, dims, DataType.FLOAT, ctx.external.location, offset, length);
  if (!name.endsWith('.v')) { ctx.inits.push(t); return name; }
  t.name = '';
  ctx.nodes.push(node('Constant', `/weights/${name}`, [], [name], { value: t }));
  return name;
}

/** [B, L, C] -> [B, H, L, D] with a Reshape target built like PyTorch's (batch from Shape). */
function splitHeads(ctx: Ctx, scope: string, x: string, perm: number[]): string {
  const { H, D } = DIMS;
  const batch = op(ctx, scope, 'Slice', [op(ctx, scope, 'Shape', [x]), i64(ctx, [0]), i64(ctx, [1]), i64(ctx, [0])]);
  const shape = op(ctx, scope, 'Concat', [batch, i64(ctx, [-1, H, D])], { axis: 0 });
  return op(ctx, scope, 'Transpose', [op(ctx, scope, 'Reshape', [x, shape])], { perm });
}

function attention(ctx: Ctx, style: Style, scope: string, xq: string, xkv: string, weights: Weights, key: string): string {
  const { C, CT, H, D, S, T } = DIMS;
  const kvIn = key === 'self' ? C : CT;
  const kvLen = key === 'self' ? S : T;
  const q = op(ctx, scope, 'MatMul', [xq, weight(ctx, `${key}.q`, [C, C], weights[`${key}.q`])]);
  const k = op(ctx, scope, 'MatMul', [xkv, weight(ctx, `${key}.k`, [kvIn, C], weights[`${key}.k`])]);
  const v = op(ctx, scope, 'MatMul', [xkv, weight(ctx, `${key}.v`, [kvIn, C], weights[`${key}.v`])]);
  if (style === 'fused') return op(ctx, scope, 'MultiHeadAttention', [q, k, v], { num_heads: H }, 'com.microsoft');
  if (style === 'fused-packed-kv') {
    if (key === 'self') return op(ctx, scope, 'MultiHeadAttention', [q, k, v], { num_heads: H }, 'com.microsoft');
    const perHead = i64(ctx, [0, 0, H, 1, D]); //                                [B, T, H, 1, D]
    const kv = op(ctx, scope, 'Concat', [op(ctx, scope, 'Reshape', [k, perHead]), op(ctx, scope, 'Reshape', [v, perHead])], { axis: 3 });
    return op(ctx, scope, 'MultiHeadAttention', [q, kv, ''], { num_heads: H }, 'com.microsoft'); // kv: [B, T, H, 2, D]
  }
  const mergeShape = i64(ctx, [0, -1, C]);
  if (style === 'pt2') {
    // scaled_dot_product_attention export: sqrt(scale) on both q and k^T, 4-D logits.
    const rootScale = f32(ctx, Math.sqrt(1 / Math.sqrt(D)));
    const q4 = op(ctx, scope, 'Mul', [splitHeads(ctx, scope, q, [0, 2, 1, 3]), rootScale]);
    const kT = op(ctx, scope, 'Mul', [splitHeads(ctx, scope, k, [0, 2, 3, 1]), rootScale]);
    const p = op(ctx, scope, 'Softmax', [op(ctx, scope, 'MatMul', [q4, kT])], { axis: -1 });
    const o = op(ctx, scope, 'MatMul', [p, splitHeads(ctx, scope, v, [0, 2, 1, 3])]); // [B, H, S, D]
    return op(ctx, scope, 'Reshape', [op(ctx, scope, 'Transpose', [o], { perm: [0, 2, 1, 3] }), mergeShape]);
  }
  // PyTorch 1 / baddbmm export: heads folded into batch, 3-D logits, scale after the MatMul.
  const toBH = (x: string, len: number) => op(ctx, scope, 'Reshape', [splitHeads(ctx, scope, x, [0, 2, 1, 3]), i64(ctx, [-1, len, D])]);
  const kT = op(ctx, scope, 'Transpose', [toBH(k, kvLen)], { perm: [0, 2, 1] }); // [B*H, D, T]
  const logits = op(ctx, scope, 'Mul', [op(ctx, scope, 'MatMul', [toBH(q, S), kT]), f32(ctx, 1 / Math.sqrt(D))]);
  const p = op(ctx, scope, 'Softmax', [logits], { axis: 2 });
  const o = op(ctx, scope, 'MatMul', [p, toBH(v, kvLen)]); //                         [B*H, S, D]
  const o4 = op(ctx, scope, 'Reshape', [o, i64(ctx, [-1, H, S, D])]);
  return op(ctx, scope, 'Reshape', [op(ctx, scope, 'Transpose', [o4], { perm: [0, 2, 1, 3] }), mergeShape]);
}

/**
 * `half`: compute in float16 with float32 graph inputs and outputs (Cast at the boundary, the layout
 * runtime-facts.md recommends), so the text input's dtype says nothing about the logits' dtype.
 */
export function buildAttentionModel(style: Style, weights: Weights, external?: ExternalSink, half = false): ModelProto {
  const { S, T, C, CT } = DIMS;
  const ctx: Ctx = { nodes: [], inits: [], external, n: 0, half };
  const block = '/down_blocks.0/attentions.0/transformer_blocks.0/';
  const [x, text] = half
    ? [
      op(ctx, '/', 'Cast', ['hidden'], { to: DataType.FLOAT16 }),
      op(ctx, '/', 'Cast', ['encoder_hidden_states'], { to: DataType.FLOAT16 }),
    ]
    : ['hidden', 'encoder_hidden_states'];
  const self = attention(ctx, style, `${block}attn1/`, x, x, weights, 'self');
  const cross = attention(ctx, style, `${block}attn2/`, x, text, weights, 'cross');
  const residual = op(ctx, '/up_blocks.1/attentions.0/', 'Add', [x, cross]);
  const cross2 = attention(ctx, style, '/up_blocks.1/attentions.0/transformer_blocks.0/attn2/', residual, text, weights, 'cross2');
  const out = (name: string, from: string) => {
    return node(half ? 'Cast' : 'Identity', `out_${name}`, [from], [name], half ? { to: DataType.FLOAT } : {});
  };
  ctx.nodes.push(out('self_out', self), out('cross_out', cross), out('cross2_out', cross2));
  const graph = create(GraphProtoSchema, {
    name: `synthetic_${style}`, node: ctx.nodes, initializer: ctx.inits,
    input: [valueInfo('hidden', DataType.FLOAT, ['batch', S, C]), valueInfo('encoder_hidden_states', DataType.FLOAT, ['batch', T, CT])],
    output: ['self_out', 'cross_out', 'cross2_out'].map((n) => valueInfo(n, DataType.FLOAT, ['batch', S, C])),
  });
  const opsetImport = [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })];
  if (style.startsWith('fused')) opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n }));
  return create(ModelProtoSchema, { irVersion: 8n, opsetImport, graph, producerName: 'cones-graph-test' });
}
