/**
 * Query slicing of explicit self-attention (the memory of a 512 px SD UNet): each chain found by
 * find-self-attention.ts is rewritten into N chains over row slices of q, concatenated:
 *
 *   out[.., S, d] = Concat_i( softmax(q[.., r_i:r_i+1, :] k^T * c) v )   r_i = floor(i * S / N), S read at run time
 *
 * so the largest live score tensor is [.., S/N, S] instead of [.., S, S] (1 GiB per tensor at 64x64 latents, batch 2,
 * 8 heads, fp32). onnxruntime's default node order walks the Concat's inputs depth first, so one slice's scores are
 * freed before the next slice's are allocated. Each output row is computed from the same numbers as before; only
 * the MatMul blocking may differ (float rounding). A `baddbmm` zero input (Add of zeros) is dropped from the slices,
 * and nodes left without readers (its ConstantOfShape) are removed.
 */
import { node, type NodeProto } from '../proto';
import { SubgraphBuilder } from './builder';
import type { SelfAttentionChain } from './find-self-attention';
import type { GraphIndex } from './graph-index';
import { isZeros } from './param-values';

export interface SlicedAttention {
  scope: string;
  chunks: number;
}

/** Rewrites every chain into `chunks` query slices (the graph of `index` in place). */
export function sliceSelfAttention(index: GraphIndex, chains: readonly SelfAttentionChain[], chunks: number): SlicedAttention[] {
  const g = index.graph;
  const replaced = new Set<NodeProto>();
  const insertBefore = new Map<NodeProto, NodeProto[]>();
  for (const chain of chains) {
    const b = new SubgraphBuilder(index, `${chain.scope}query_slices/`);
    const q = chain.score.input[0]; //                                              q: [.., S, dq]
    const len = b.slice1d(b.op('Shape', [q], {}, 'q_shape'), -2, -1, 'query_len'); // [S]
    const n = b.i64([chunks], 'chunks');
    const bounds = [b.i64([0], 'first')];
    for (let i = 1; i < chunks; i++) bounds.push(b.op('Div', [b.op('Mul', [len, b.i64([i], `k${i}`)], {}, `len_x${i}`), n], {}, `row${i}`));
    bounds.push(len);
    const axis = b.i64([-2], 'query_axis');
    const outs: string[] = [];
    for (let i = 0; i < chunks; i++) {
      const qi = b.op('Slice', [q, bounds[i], bounds[i + 1], axis], {}, `q${i}`); //  [.., S/N, dq]
      let t = clone(b, chain.score, 0, qi, `scores${i}`); //                            [.., S/N, S]
      let original = chain.score.output[0];
      for (const between of chain.between) {
        const at = between.input.indexOf(original);
        original = between.output[0];
        const other = between.input.find((x, k) => x && k !== at);
        if (between.opType === 'Add' && other && isZeros(index, other)) continue;
        t = clone(b, between, at, t, `${between.opType.toLowerCase()}${i}`);
      }
      t = clone(b, chain.softmax, 0, t, `probs${i}`);
      for (const after of chain.after) t = clone(b, after, 0, t, `${after.opType.toLowerCase()}${i}`);
      outs.push(clone(b, chain.value, 0, t, `out${i}`)); //                              [.., S/N, d]
    }
    const concat = node('Concat', index.unique(`${chain.scope}query_slices/concat`), outs, [chain.value.output[0]], { axis: -2 });
    for (const r of [chain.score, ...chain.between, chain.softmax, ...chain.after, chain.value]) replaced.add(r);
    insertBefore.set(chain.value, [...b.nodes, concat]);
    g.initializer.push(...b.initializers);
  }
  // Every new node reads only tensors that exist before the chain's value MatMul, so it goes where that node was.
  const nodes: NodeProto[] = [];
  for (const n of g.node) {
    nodes.push(...(insertBefore.get(n) ?? []));
    if (!replaced.has(n)) nodes.push(n);
  }
  g.node = removeUnread(nodes, new Set(g.output.map((o) => o.name)));
  return chains.map((c) => ({ scope: c.scope, chunks }));
}

/** A copy of `original` (same op, domain and attributes) reading `input` at input position `at`. */
function clone(b: SubgraphBuilder, original: NodeProto, at: number, input: string, label: string): string {
  const inputs = [...original.input];
  inputs[at] = input;
  const out = b.op(original.opType, inputs, {}, label);
  const made = b.nodes[b.nodes.length - 1];
  made.domain = original.domain;
  made.attribute = [...original.attribute];
  return out;
}

/** Nodes whose outputs nobody reads (and are not graph outputs), removed until none is left. */
function removeUnread(nodes: NodeProto[], graphOutputs: Set<string>): NodeProto[] {
  let current = nodes;
  for (;;) {
    const read = new Set<string>(graphOutputs);
    for (const n of current) for (const i of n.input) if (i) read.add(i);
    const kept = current.filter((n) => n.output.some((o) => o && read.has(o)));
    if (kept.length === current.length) return kept;
    current = kept;
  }
}
