/**
 * Inpainting with an ordinary (non-inpainting) UNet, by blending (as blended latent diffusion and the SD img2img
 * pipelines' "legacy" inpainting do): after every step, the kept region is replaced by the known latents noised to
 * the sigma the sampler has reached, so the model only invents the masked region while seeing the rest:
 *
 *   x <- m * x + (1 - m) * (x_known + sigma * z)        m: [h, w] latent mask (1 = repaint), z: the run's initial noise
 *
 * At the last step sigma = 0, so the kept region is exactly the known latents; a fractional m (a latent cell the mask
 * edge crosses) mixes the two, which softens the seam.
 */
import { ModelError } from '../errors';
import { f32, type F32Tensor } from '../tensor';

/** x, noise: [N, C, h, w]; known: [1 or N, C, h, w] (batch 1 serves every image); mask: [h, w]. Returns the blended x at `sigma`. */
export function blendKnown(x: F32Tensor, known: F32Tensor, noise: F32Tensor, mask: Float32Array, sigma: number): F32Tensor {
  const [, c, h, w] = x.dims;
  const knownFits = known.data.length === x.data.length || known.data.length * x.dims[0] === x.data.length;
  if (mask.length !== h * w || !knownFits || noise.data.length !== x.data.length) {
    throw new ModelError('E_MASK_SIZE', `Expected a latent mask of ${h}x${w} and known latents [${x.dims.join(', ')}] ` +
      `but received ${mask.length} mask values and [${known.dims.join(', ')}].`);
  }
  const out = f32(x.dims);
  const plane = h * w;
  const image = c * plane;
  for (let i0 = 0; i0 < x.data.length; i0 += image) {
    const k0 = i0 % known.data.length; // the known image of this batch row
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < plane; p++) {
        const i = i0 + ch * plane + p;
        const m = mask[p];
        out.data[i] = m * x.data[i] + (1 - m) * (known.data[k0 + ch * plane + p] + sigma * noise.data[i]);
      }
    }
  }
  return out;
}
