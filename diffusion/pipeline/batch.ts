/**
 * A batch of N images from consecutive seeds (seed, seed + 1, ..., seed + N - 1) in one sampling run, such that image k
 * is the image a batch-1 run with seed + k makes:
 *
 *   x_0[k]      = gaussian(seed + k, [1, C, h, w])              the initial noise of image k, its own Philox key
 *   z_i[k]      = the i-th draw of noiseStream(seed + k)         ancestral / self-recurrence noise, per image
 *
 * Everything else in the loop (c_in, the denoiser, guidance, the samplers, inpainting's blend) is elementwise, so it
 * runs on [N, C, h, w] unchanged; only the UNet call groups rows (generate.ts). Graph-free.
 */
import { gaussian, noiseStream, type NoiseStream, type Seed } from '../noise';
import { f32, type F32Tensor } from '../tensor';

/** The largest batch the GuidedSampler node accepts. */
export const MAX_BATCH = 16;

/** seed, seed + 1, ..., seed + n - 1 (as bigint past 2^53 - 1, which the noise generator accepts). */
export function batchSeeds(seed: Seed, n: number): Seed[] {
  return Array.from({ length: n }, (_, k) => {
    if (typeof seed === 'number' && Number.isSafeInteger(seed + k)) return seed + k;
    return BigInt(seed) + BigInt(k);
  });
}

/** The initial noise of a batch: image k's standard normals from seeds[k]. dims1 = [1, C, h, w] -> [N, C, h, w]. */
export function batchGaussian(seeds: readonly Seed[], dims1: readonly number[]): F32Tensor {
  return concatRows(seeds.map((s) => gaussian(s, dims1)));
}

/** Per-image noise streams drawn side by side: next([N, ...]) = [stream_0.next([1, ...]), ..., stream_(N-1).next([1, ...])]. */
export function batchNoiseStream(streams: readonly NoiseStream[]): NoiseStream {
  if (streams.length === 1) return streams[0];
  return {
    next(dims: readonly number[]): F32Tensor {
      const rows = dims[0] / streams.length;
      return concatRows(streams.map((s) => s.next([rows, ...dims.slice(1)])));
    },
    get position() {
      return streams[0].position;
    },
  };
}

/** The per-image step noise of a batch (stream STEP_NOISE_STREAM of each seed). */
export function batchStepNoise(seeds: readonly Seed[]): NoiseStream {
  return batchNoiseStream(seeds.map((s) => noiseStream(s)));
}

/** [b_0, ...] + [b_1, ...] + ... -> [sum b_i, ...]; the other dims must agree (callers guarantee it). */
export function concatRows(tensors: readonly F32Tensor[]): F32Tensor {
  if (tensors.length === 1) return tensors[0];
  const data = new Float32Array(tensors.reduce((n, t) => n + t.data.length, 0));
  let offset = 0;
  for (const t of tensors) {
    data.set(t.data, offset);
    offset += t.data.length;
  }
  return f32([tensors.reduce((n, t) => n + t.dims[0], 0), ...tensors[0].dims.slice(1)], data);
}

/** Rows [start, start + count) of a [B, ...] tensor -> [count, ...]. */
export function sliceRows(tensor: F32Tensor, start: number, count = 1): F32Tensor {
  const row = tensor.data.length / tensor.dims[0];
  return f32([count, ...tensor.dims.slice(1)], tensor.data.slice(start * row, (start + count) * row));
}

/** [1, ...] -> [n, ...], the row repeated. */
export function repeatRows(tensor: F32Tensor, n: number): F32Tensor {
  return n === 1 ? tensor : concatRows(Array.from({ length: n }, () => tensor));
}
