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

/** x, known, noise: [1, C, h, w]; mask: [h, w]. Returns the blended x at `sigma`. */
export function blendKnown(x: F32Tensor, known: F32Tensor, noise: F32Tensor, mask: Float32Array, sigma: number): F32Tensor {
  const [, c, h, w] = x.dims;
  if (mask.length !== h * w || known.data.length !== x.data.length || noise.data.length !== x.data.length) {
    throw new ModelError('E_MASK_SIZE', `Expected a latent mask of ${h}x${w} and known latents [${x.dims.join(', ')}] ` +
      `but received ${mask.length} mask values and [${known.dims.join(', ')}].`);
  }
  const out = f32(x.dims);
  const plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < plane; p++) {
      const i = ch * plane + p;
      const m = mask[p];
      out.data[i] = m * x.data[i] + (1 - m) * (known.data[i] + sigma * noise.data[i]);
    }
  }
  return out;
}
