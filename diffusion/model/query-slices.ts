/**
 * How many query slices the UNet's highest-resolution self-attentions get (diffusion/onnx/surgery/slice-attention.ts).
 * Slicing trades nothing in the result for a little scheduling and saves the [.., S, S] score tensors: at SD 1.5's
 * 64x64 latents (S = 4096, batch 2, 8 heads) each is 1 GiB in float32, sliced 16 ways 64 MiB. Small models gain
 * nothing from it, so it is on only for UNets whose native latent grid (unet/config.json sample_size) has at least
 * MIN_SLICED_QUERIES positions. CONES_QUERY_SLICES overrides the choice (0 = whole attention, e.g. on a large GPU).
 */
import { ModelError } from '../errors';
import { MAX_QUERY_SLICES } from '../onnx/surgery';

export const DEFAULT_QUERY_SLICES = 16;
export const MIN_SLICED_QUERIES = 2048;

export function querySlicesFor(sampleSize: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const given = env.CONES_QUERY_SLICES;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > MAX_QUERY_SLICES) {
      throw new ModelError('E_SURGERY_QUERY_SLICES', `Expected CONES_QUERY_SLICES to be an integer from 0 to ${MAX_QUERY_SLICES} but it is "${given}".`, {
        hint: `Unset it for the default (${DEFAULT_QUERY_SLICES} for SD-sized UNets), or set 0 to keep self-attention whole.`,
      });
    }
    return n;
  }
  return sampleSize !== undefined && sampleSize * sampleSize >= MIN_SLICED_QUERIES ? DEFAULT_QUERY_SLICES : 0;
}

