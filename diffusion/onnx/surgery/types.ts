/** Shapes shared by the surgery files: what was found, and what the patched model exposes. */
import type { NodeProto } from '../proto';

/** One cross-attention found by structure, before rewriting. */
export interface AttentionSite {
  kind: 'matmul-softmax' | 'multi-head-attention';
  /** Module scope taken from node names, e.g. `/down_blocks.0/attentions.0/transformer_blocks.0/attn2/`. */
  scope: string;
  /** Score MatMul, the scale/mask nodes after it, and the Softmax; or the single fused node. */
  nodes: NodeProto[];
  /** The node the bias feeds: the Softmax (its input 0 gets the bias) or the MultiHeadAttention. */
  target: NodeProto;
  /** Logits rank: 3 = [B*H, S, T] (PyTorch 1 style), 4 = [B, H, S, T] (PyTorch 2 style and fused). */
  rank: 3 | 4 | null;
  heads: number | null;
  /** Query length S when the export records static shapes; otherwise it is resolved at run time. */
  queryLength: number | null;
}

/** A site that looked like cross-attention but cannot be patched safely, with the reason. */
export interface SkippedSite {
  scope: string;
  node: string;
  reason: string;
}

/** One patched layer as described to callers (and stored in the patched model's metadata). */
export interface LayoutLayer {
  /** k in the input names; graph order. */
  index: number;
  scope: string;
  kind: AttentionSite['kind'];
  nodes: string[];
  /** float32 [B|1, 1, S|1, T|1]: gate * gw * eta_i * W_pos on the host, zero for the unconditional rows. */
  posInput: string;
  /** float32 [B|1, 1, S|1, T|1]: 0 or a large negative (hard mask), zero for the unconditional rows. */
  negInput: string;
  rank: 3 | 4 | null;
  heads: number | null;
  queryLength: number | null;
}
