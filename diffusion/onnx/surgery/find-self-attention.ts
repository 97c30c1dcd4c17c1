/**
 * Explicit self-attention chains that can be computed in query slices:
 *
 *   q ─┐                                                       P: [.., S, S]     out: [.., S, d]
 *      ├─ MatMul ─ [Mul|Div by a scalar] ─ [Add 0] ─ Softmax ─ [Cast] ─ MatMul(P, v) ─>
 *   k^T┘
 *
 * Row s of the output depends only on row s of q, so the chain may run on row slices of q and concatenate the
 * results. That holds only when nothing else reads the [.., S, S] tensors in between, when every other operand in
 * between is a single element (a scale) or all zeros (the exported `baddbmm` beta = 0 input), and when neither score
 * operand comes from the text input (cross-attention stays whole: its T axis is short and the layout surgery owns it).
 */
import type { NodeProto } from '../proto';
import { scopeOf } from './describe-site';
import type { GraphIndex } from './graph-index';
import { isSingleElement, isZeros } from './param-values';
import { findScoreMatMul, tracesToInput } from './trace';
import type { SkippedSite } from './types';

export interface SelfAttentionChain {
  scope: string;
  /** MatMul(q, k^T) -> [.., S, S]; input 0 is sliced along axis -2. */
  score: NodeProto;
  /** Score -> Softmax, in graph order. */
  between: NodeProto[];
  softmax: NodeProto;
  /** Softmax -> value MatMul (Cast / Identity), in graph order. */
  after: NodeProto[];
  /** MatMul(P, v) -> [.., S, d]; its output is rebuilt by a Concat of the slices. */
  value: NodeProto;
}

const PASS_THROUGH = new Set(['Cast', 'Identity']);

export function findSelfAttention(index: GraphIndex, textInput: string): { chains: SelfAttentionChain[]; skipped: SkippedSite[] } {
  const chains: SelfAttentionChain[] = [];
  const skipped: SkippedSite[] = [];
  for (const softmax of index.graph.node) {
    if (softmax.opType !== 'Softmax' || softmax.domain !== '') continue;
    const found = findScoreMatMul(index, softmax.input[0]);
    if (!found) continue;
    const { matmul } = found;
    if (matmul.input.some((i) => tracesToInput(index, i, textInput))) continue; // cross-attention
    const between = [...found.between].reverse();
    const scope = scopeOf([matmul, softmax]);
    const problem = chainProblem(index, matmul, between, softmax);
    if (problem) {
      skipped.push({ scope, node: softmax.name, reason: problem });
      continue;
    }
    const after: NodeProto[] = [];
    let tensor = softmax.output[0];
    let next = soleConsumer(index, tensor);
    while (next && PASS_THROUGH.has(next.opType) && next.domain === '') {
      after.push(next);
      tensor = next.output[0];
      next = soleConsumer(index, tensor);
    }
    if (!next || next.opType !== 'MatMul' || next.domain !== '' || next.input[0] !== tensor || next.input[1] === tensor) {
      skipped.push({ scope, node: softmax.name, reason: 'the attention weights are not read by exactly one MatMul(P, v)' });
      continue;
    }
    chains.push({ scope, score: matmul, between, softmax, after, value: next });
  }
  return { chains, skipped };
}

/** Why this score -> Softmax chain cannot be sliced by query rows, or null. */
function chainProblem(index: GraphIndex, matmul: NodeProto, between: NodeProto[], softmax: NodeProto): string | null {
  if (matmul.opType !== 'MatMul' || matmul.domain !== '') return `the score product is ${matmul.opType}, not a plain MatMul`;
  if (!lastAxis(index, softmax)) return 'the Softmax axis is not provably the last one';
  let chain = matmul.output[0];
  for (const n of [...between, softmax]) {
    if (!soleConsumer(index, chain)) return `"${chain}" has readers outside the attention`;
    for (const other of n.input) {
      if (!other || other === chain) continue;
      if (isSingleElement(index, other)) continue;
      if (n.opType === 'Add' && isZeros(index, other)) continue;
      return `${n.opType} "${n.name}" reads "${other}", which may vary along the query axis`;
    }
    if (!n.input.includes(chain)) return `"${n.name}" does not read the scores`;
    chain = n.output[0];
  }
  return null;
}

/** Softmax over the last axis: -1, or (opset >= 13) the default. */
function lastAxis(index: GraphIndex, softmax: NodeProto): boolean {
  const axis = index.intAttr(softmax, 'axis');
  return axis === -1 || (axis === null && index.opset() >= 13);
}

function soleConsumer(index: GraphIndex, tensor: string): NodeProto | null {
  if (index.graph.output.some((o) => o.name === tensor)) return null;
  const readers = index.consumers.get(tensor) ?? [];
  return readers.length === 1 ? readers[0] : null;
}
