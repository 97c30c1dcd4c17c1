/**
 * Backward walks used to recognise attention by structure rather than by node names.
 *
 * The key path of a cross-attention is a chain of linear, data-preserving ops from the text input:
 *
 *   encoder_hidden_states -> MatMul(W_k) [-> Add(b_k)] -> Reshape -> Transpose [-> Mul(sqrt scale)] -> MatMul(q, k^T)
 *
 * A trace follows the single activation operand of each node and gives up at anything that mixes two
 * activations (LayerNorm, attention itself, residual Adds). That rule is what keeps a query of a later
 * block out: its hidden states depend on the text through earlier cross-attentions, but only through
 * ops the trace refuses to cross.
 */
import type { NodeProto } from '../proto';
import type { GraphIndex } from './graph-index';

/** Ops that pass their first input's values through (possibly re-laid-out). */
const LAYOUT_OPS = new Set([
  'Reshape', 'Transpose', 'Cast', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten', 'Expand', 'Slice', 'Split', 'Contiguous',
]);
/** Ops that are linear in one activation when the other operands are parameters (weights, scales, biases). */
const LINEAR_OPS = new Set(['MatMul', 'Gemm', 'Mul', 'Div', 'Add', 'Sub', 'FusedMatMul']);
/** Ops allowed between the score MatMul and the Softmax: scaling, masks, casts. */
const SCORE_OPS = new Set(['Mul', 'Div', 'Add', 'Sub', 'Cast', 'Identity']);
const MAX_DEPTH = 32;

/** The single activation input of `node`, or null when it has none or several. */
function activationInput(index: GraphIndex, node: NodeProto): string | null {
  if (LAYOUT_OPS.has(node.opType)) return node.input[0] || null;
  if (!LINEAR_OPS.has(node.opType)) return null;
  const live = node.input.filter((i) => i && !index.isParam(i));
  return live.length === 1 ? live[0] : null;
}

/**
 * True when `tensor` is a linear re-layout of the graph input `inputName`. A Concat qualifies when
 * every activation it joins does (ORT's packed key/value [B, T, H, 2, d] is Concat(k, v) of the text).
 */
export function tracesToInput(index: GraphIndex, tensor: string, inputName: string, depth = 0): boolean {
  if (tensor === inputName) return true;
  if (depth >= MAX_DEPTH) return false;
  const n = index.producer.get(tensor);
  if (!n) return false;
  if (n.opType === 'Concat') {
    const live = n.input.filter((i) => i && !index.isParam(i));
    return live.length > 0 && live.every((i) => tracesToInput(index, i, inputName, depth + 1));
  }
  const next = activationInput(index, n);
  return next !== null && tracesToInput(index, next, inputName, depth + 1);
}

/** Nodes on the activation path of `tensor`, nearest first (for shape/head heuristics). */
export function activationPath(index: GraphIndex, tensor: string, maxDepth = 12): NodeProto[] {
  const path: NodeProto[] = [];
  let current: string | null = tensor;
  for (let depth = 0; current && depth < maxDepth; depth++) {
    const n = index.producer.get(current);
    if (!n) break;
    path.push(n);
    current = activationInput(index, n);
  }
  return path;
}

export function isScoreMatMul(node: NodeProto): boolean {
  return (node.opType === 'MatMul' && node.domain === '') || (node.opType === 'FusedMatMul' && node.domain === 'com.microsoft');
}

/**
 * The MatMul whose product reaches `tensor` through scaling/mask ops only (Mul/Div by a scale, Add of a
 * mask), plus the nodes crossed on the way. Breadth-first so the nearest MatMul wins.
 */
export function findScoreMatMul(index: GraphIndex, tensor: string, maxDepth = 4): { matmul: NodeProto; between: NodeProto[] } | null {
  let frontier: { tensor: string; between: NodeProto[] }[] = [{ tensor, between: [] }];
  for (let depth = 0; depth <= maxDepth && frontier.length; depth++) {
    const next: typeof frontier = [];
    for (const item of frontier) {
      const n = index.producer.get(item.tensor);
      if (!n) continue;
      if (isScoreMatMul(n)) return { matmul: n, between: item.between };
      if (!SCORE_OPS.has(n.opType)) continue;
      for (const i of n.input) if (i && !index.isParam(i)) next.push({ tensor: i, between: [...item.between, n] });
    }
    frontier = next;
  }
  return null;
}
