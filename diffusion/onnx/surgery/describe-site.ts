/**
 * Facts about a found attention that callers need but the pattern does not fix: module scope, logits
 * rank, head count, query length. Each is read from static information when the export carries it
 * and left null otherwise (the bias subgraph itself never depends on them).
 */
import { valueInfoDims, type NodeProto } from '../proto';
import type { GraphIndex } from './graph-index';
import { activationPath } from './trace';

/** Module scope: the node name up to its last '/', e.g. `/mid_block/attentions.0/transformer_blocks.0/attn2/`. */
export function scopeOf(nodes: NodeProto[]): string {
  for (const n of nodes) {
    const cut = n.name.lastIndexOf('/');
    if (cut > 0) return n.name.slice(0, cut + 1);
  }
  return nodes.find((n) => n.name)?.name ?? '';
}

/**
 * Logits rank: from recorded shapes, else from the key path's layout ops. A key transposed for the
 * score product (perm [0,2,1] or [0,2,3,1]) or reshaped to [B*H, T, d] / [B, T, H, d] gives it away.
 */
export function logitsRank(index: GraphIndex, logits: string, keyOperand: string): 3 | 4 | null {
  const dims = valueInfoDims(index.valueInfo.get(logits));
  if (dims && (dims.length === 3 || dims.length === 4)) return dims.length;
  for (const n of activationPath(index, keyOperand, 6)) {
    if (n.opType === 'Transpose') {
      const perm = index.intsAttr(n, 'perm');
      if (perm && (perm.length === 3 || perm.length === 4)) return perm.length as 3 | 4;
    }
    if (n.opType === 'Reshape') {
      const shape = index.constVector(n.input[1]);
      if (shape && (shape.length === 3 || shape.length === 4)) return shape.length as 3 | 4;
    }
  }
  return null;
}

/**
 * Head count from the query path: the Reshape [B, S, H, d] feeding the head split Transpose
 * (perm [0,2,1,3]), used by both PyTorch 1 and 2 exports of diffusers/ldm attention.
 */
export function headCount(index: GraphIndex, queryOperand: string): number | null {
  const path = activationPath(index, queryOperand, 10);
  for (let i = 0; i + 1 < path.length; i++) {
    const perm = path[i].opType === 'Transpose' ? index.intsAttr(path[i], 'perm') : null;
    if (!perm || perm.join() !== '0,2,1,3' || path[i + 1].opType !== 'Reshape') continue;
    const h = index.constVector(path[i + 1].input[1])?.[2];
    if (typeof h === 'number' && h > 0) return h;
  }
  return null;
}

/** S = dim -2 of the logits when the export recorded it. */
export function queryLength(index: GraphIndex, logits: string): number | null {
  const dims = valueInfoDims(index.valueInfo.get(logits));
  return dims && dims.length >= 2 ? dims[dims.length - 2] : null;
}
