/**
 * The layout at one cross-attention resolution: the full-resolution weights (./weight-maps.ts) resampled to the
 * attention grid (h, w) with bilinear, align_corners=True (the reference's F.interpolate), flattened row-major
 * into the query axis S = h * w, against the key axis T = L of the logits [B, heads, S, T].
 *
 * Resampling a map that is +strength inside and -1e8 outside gives, at a cell, strength * (weight on inside
 * neighbours) - 1e8 * (weight on outside neighbours). Any outside neighbour with non-zero weight makes the cell
 * effectively -infinity, so:
 *
 *   inside(cell)  <=>  every bilinear neighbour with non-zero weight is inside the region
 *   posWeights[s, t] = strength if token t's subject is inside at s, else 0
 *   negMask[s, t]    = 1 if token t belongs to a subject that is not inside at s
 *
 * (At inside cells the weights sum to 1, so the positive value is exactly strength, up to torch's float32 sum.)
 */
import { f32, type F32Tensor } from '../tensor';
import { alignCornersSamples, type AxisSample } from './bilinear';
import { checkSize } from './regions';
import type { TokenWeightMaps } from './weight-maps';

/** A row-major byte tensor (1 = true). */
export interface MaskTensor {
  readonly data: Uint8Array;
  readonly dims: readonly number[];
}

export interface ResolutionBias {
  readonly h: number;
  readonly w: number;
  /** W_pos: [S = h * w, T = L]. */
  readonly posWeights: F32Tensor;
  /** Hard negative: [S, T], 1 where the logit must be masked. */
  readonly negMask: MaskTensor;
  /** Inside cells per subject (same order as maps.subjects): a 0 means the subject vanished at this resolution. */
  readonly insideCounts: number[];
}

function contributing(sample: AxisSample): number[] {
  const out: number[] = [];
  if (sample.l0 !== 0) out.push(sample.i0);
  if (sample.l1 !== 0 && sample.i1 !== sample.i0) out.push(sample.i1);
  return out;
}

/** inside[y * w + x] for one [H, W] mask resampled to (h, w) under the rule above. */
export function insideGrid(mask: Uint8Array, height: number, width: number, h: number, w: number): Uint8Array {
  const rows = alignCornersSamples(height, h).map(contributing);
  const cols = alignCornersSamples(width, w).map(contributing);
  const inside = new Uint8Array(h * w); // [h, w]
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      inside[y * w + x] = rows[y].every((sy) => cols[x].every((sx) => mask[sy * width + sx] !== 0)) ? 1 : 0;
    }
  }
  return inside;
}

/** The bias inputs for one attention resolution (h, w). */
export function layoutBiasAt(maps: TokenWeightMaps, h: number, w: number): ResolutionBias {
  checkSize('attention grid height', h);
  checkSize('attention grid width', w);
  const S = h * w;
  const T = maps.length;
  const posWeights = f32([S, T]); // [S, T]
  const negMask = new Uint8Array(S * T); // [S, T]
  const insideCounts = maps.subjects.map((subject) => {
    const inside = insideGrid(subject.mask, maps.height, maps.width, h, w); // [S]
    let count = 0;
    for (let s = 0; s < S; s++) {
      if (inside[s]) count++;
      for (const t of subject.positions) {
        if (inside[s]) posWeights.data[s * T + t] = subject.strength;
        else negMask[s * T + t] = 1;
      }
    }
    return count;
  });
  return { h, w, posWeights, negMask: { data: negMask, dims: [S, T] }, insideCounts };
}
