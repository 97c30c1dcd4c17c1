/**
 * Fused cross-attention: com.microsoft MultiHeadAttention (what ORT's offline transformer optimiser
 * produces) whose key input is a re-layout of the text input and whose query is not. Its logits never
 * exist as a tensor, so the bias goes in as input 5 `attention_bias` [B|1, H|1, S, T] (ORT >= 1.20,
 * checked equal to Add-before-Softmax), and the std is computed from a recomputed Q K^T.
 *
 * Supported layouts: query [B, S, H*d] with key [B, T, H*d] and value [B, T, H*d], or packed key/value
 * [B, T, H, 2, d] with no value. A projection bias (input 3) is not supported: it is skipped, not
 * patched wrongly.
 */
import { valueInfoDims } from '../proto';
import { scopeOf } from './describe-site';
import type { GraphIndex } from './graph-index';
import { tracesToInput } from './trace';
import type { AttentionSite, SkippedSite } from './types';

export function findFusedCrossAttention(index: GraphIndex, textInput: string): { sites: AttentionSite[]; skipped: SkippedSite[] } {
  const sites: AttentionSite[] = [];
  const skipped: SkippedSite[] = [];
  for (const mha of index.graph.node) {
    if (mha.opType !== 'MultiHeadAttention' || mha.domain !== 'com.microsoft') continue;
    const [query, key] = mha.input;
    if (!key || !query) continue; // packed QKV: self-attention
    if (!tracesToInput(index, key, textInput) || tracesToInput(index, query, textInput)) continue;
    const scope = scopeOf([mha]);
    if (mha.input[3]) {
      skipped.push({ scope, node: mha.name, reason: 'MultiHeadAttention with a projection bias (input 3) is not supported' });
      continue;
    }
    if (mha.input[6] || mha.input[7]) {
      skipped.push({ scope, node: mha.name, reason: 'MultiHeadAttention with past key/value is not supported' });
      continue;
    }
    const qDims = valueInfoDims(index.valueInfo.get(query));
    sites.push({
      kind: 'multi-head-attention', scope, nodes: [mha], target: mha, rank: 4,
      heads: index.intAttr(mha, 'num_heads'),
      queryLength: qDims && qDims.length === 3 ? qDims[1] : null,
    });
  }
  return { sites, skipped };
}
