/**
 * Source indices and weights of bilinear resampling with align_corners=True, reproducing PyTorch's
 * F.interpolate(mode='bilinear', align_corners=True) bit for bit in the index arithmetic
 * (aten UpSample.h: area_pixel_compute_scale / compute_source_index_and_lambda, float32 "opmath" for float input):
 *
 *   scale  = float32((in - 1) / (out - 1))        (0 when out = 1)
 *   src    = float32(scale * i)
 *   i0     = min(floor(src), in - 1),  i1 = i0 + (i0 < in - 1 ? 1 : 0)
 *   l1     = clamp(src - i0, 0, 1),    l0 = float32(1 - l1)
 *
 * Doing it in float32 matters for the hard negative: where the exact source position is an integer, float32 can
 * leave a ~1e-6 weight on the next pixel, and the reference's -1e8 times that weight still masks the cell.
 */

export interface AxisSample {
  /** Neighbour indices i0, i1 (equal at the last pixel). */
  readonly i0: number;
  readonly i1: number;
  /** Their weights; an exactly-zero weight means the neighbour does not contribute. */
  readonly l0: number;
  readonly l1: number;
}

export function alignCornersSamples(inSize: number, outSize: number): AxisSample[] {
  const scale = outSize > 1 ? Math.fround((inSize - 1) / (outSize - 1)) : 0;
  const samples: AxisSample[] = [];
  for (let i = 0; i < outSize; i++) {
    const src = Math.fround(scale * i);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
    const l1 = Math.min(Math.max(Math.fround(src - i0), 0), 1);
    samples.push({ i0, i1, l0: Math.fround(1 - l1), l1 });
  }
  return samples;
}
