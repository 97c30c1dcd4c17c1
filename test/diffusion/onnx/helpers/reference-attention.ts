/**
 * Pure-JS reference of the guided attention (Cones 2, section 3.3), written from the formula:
 *   L = Q K^T / sqrt(d);  s_b = std(L[b]) (unbiased, over heads and positions)
 *   out = softmax(L + s_b * pos[b] + neg[b]) V
 * with pos, neg: [B, 1, S, T] (pos already holds gate * gw * eta_i * W_pos).
 */
import { DIMS, type Weights } from './synthetic-attention';

function matmul(x: Float32Array, rows: number, inner: number, w: Float32Array, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let i = 0; i < inner; i++) {
    const a = x[r * inner + i];
    for (let c = 0; c < cols; c++) out[r * cols + c] += a * w[i * cols + c];
  }
  return out;
}

/** xq: [B, S, C], xkv: [B, L, Ckv] -> [B, S, C]; pos/neg null = unguided. */
export function referenceAttention(xq: Float32Array, xkv: Float32Array, kvLen: number, kvIn: number, weights: Weights, key: string,
  pos: Float32Array | null, neg: Float32Array | null): Float32Array {
  const { B, S, C, H, D } = DIMS;
  const q = matmul(xq, B * S, C, weights[`${key}.q`], C); //      [B, S, H*D]
  const k = matmul(xkv, B * kvLen, kvIn, weights[`${key}.k`], C); // [B, L, H*D]
  const v = matmul(xkv, B * kvLen, kvIn, weights[`${key}.v`], C);
  const out = new Float32Array(B * S * C);
  for (let b = 0; b < B; b++) {
    const logits = new Float64Array(H * S * kvLen); //          [H, S, L]
    for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) for (let t = 0; t < kvLen; t++) {
      let dot = 0;
      for (let j = 0; j < D; j++) dot += q[(b * S + s) * C + h * D + j] * k[(b * kvLen + t) * C + h * D + j];
      logits[(h * S + s) * kvLen + t] = dot / Math.sqrt(D);
    }
    const n = logits.length;
    const mean = logits.reduce((a, x) => a + x, 0) / n;
    const std = Math.sqrt(logits.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
    for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) {
      const row = new Float64Array(kvLen);
      for (let t = 0; t < kvLen; t++) {
        const m = (b * S + s) * kvLen + t; // pos/neg index [b, 0, s, t]
        row[t] = logits[(h * S + s) * kvLen + t] + (pos ? std * pos[m] : 0) + (neg ? neg[m] : 0);
      }
      const max = Math.max(...row);
      let sum = 0;
      for (let t = 0; t < kvLen; t++) { row[t] = Math.exp(row[t] - max); sum += row[t]; }
      for (let j = 0; j < D; j++) {
        let acc = 0;
        for (let t = 0; t < kvLen; t++) acc += (row[t] / sum) * v[(b * kvLen + t) * C + h * D + j];
        out[(b * S + s) * C + h * D + j] = acc;
      }
    }
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}
