/**
 * Unfused cross-attention: a Softmax over the last axis whose logits come from a score MatMul (through
 * optional scale Mul/Div and mask Add), where exactly one MatMul operand - the key side - is a linear
 * re-layout of the text input and the other - the query side - is not.
 *
 *   q ─┐                                  PyTorch 2: q*sqrt(c), k^T*sqrt(c) -> MatMul -> Softmax   [B, H, S, T]
 *      ├─ MatMul ─ [Mul|Div] ─ [Add] ─ Softmax
 *   k ─┘  (k from encoder_hidden_states)  PyTorch 1: MatMul -> Mul(c) -> [Add 0] -> Softmax       [B*H, S, T]
 */
import type { NodeProto } from '../proto';
import { headCount, logitsRank, queryLength, scopeOf } from './describe-site';
import type { GraphIndex } from './graph-index';
import { findScoreMatMul, tracesToInput } from './trace';
import type { AttentionSite, SkippedSite } from './types';

export function findUnfusedCrossAttention(index: GraphIndex, textInput: string): { sites: AttentionSite[]; skipped: SkippedSite[] } {
  const sites: AttentionSite[] = [];
  const skipped: SkippedSite[] = [];
  for (const softmax of index.graph.node) {
    if (softmax.opType !== 'Softmax' || softmax.domain !== '') continue;
    const logits = softmax.input[0];
    const found = findScoreMatMul(index, logits);
    if (!found) continue;
    const [a, b] = found.matmul.input;
    const aText = tracesToInput(index, a, textInput);
    const bText = tracesToInput(index, b, textInput);
    if (aText === bText) continue; // self-attention (neither) or not an attention score (both)
    const [query, key] = aText ? [b, a] : [a, b];
    const nodes = [found.matmul, ...found.between.reverse(), softmax];
    const rank = logitsRank(index, logits, key);
    const scope = scopeOf(nodes);
    const axisProblem = softmaxAxisProblem(index, softmax, rank);
    if (axisProblem) {
      skipped.push({ scope, node: softmax.name, reason: axisProblem });
      continue;
    }
    sites.push({
      kind: 'matmul-softmax', scope, nodes, target: softmax, rank,
      heads: headCount(index, query), queryLength: queryLength(index, logits),
    });
  }
  return { sites, skipped };
}

/** The bias is per key token, so the Softmax must normalise over the last (text) axis. */
function softmaxAxisProblem(index: GraphIndex, softmax: NodeProto, rank: 3 | 4 | null): string | null {
  const axis = index.intAttr(softmax, 'axis');
  // Before opset 13 the default axis is 1 with "flatten to 2-D" semantics, i.e. not the text axis.
  const effective = axis ?? (index.opset() >= 13 ? -1 : 1);
  if (effective === -1) return null;
  if (rank !== null && effective === rank - 1) return null;
  return `Softmax axis ${effective} is not provably the last (text) axis (logits rank ${rank ?? 'unknown'})`;
}
