import { defineNode, input, output } from '../../engine';
import { tensorToRgb } from '../../diffusion/image/encode';
import type { SdModel } from '../../diffusion/model/load';
import { decodeLatents } from '../../diffusion/model/vae';
import { sliceRows } from '../../diffusion/pipeline/batch';
import { IMAGE, LATENT, MODEL } from '../diffusion-ports';
import { imageBatch, type ImageValue, type LatentValue } from './batch';

export const VaeDecodeNode = defineNode({
  type: 'VAEDecode',
  version: 1,
  category: 'image',
  description: 'VAE decoder: latents -> an 8-bit RGB image (a batch of latents -> a batch of images, decoded one by one).',
  inputs: { model: input<SdModel>(MODEL), latent: input<LatentValue>(LATENT) },
  outputs: { image: output<ImageValue>(IMAGE) },
  run: async ({ model, latent }) => {
    const n = latent.dims[0];
    if (n === 1) return { image: tensorToRgb(await decodeLatents(model, latent)) };
    // One call per image: exports with a fixed batch axis decode too, and image k is the batch-1 decode of its latent.
    const images: ImageValue[] = [];
    for (let k = 0; k < n; k++) {
      const image: ImageValue = tensorToRgb(await decodeLatents(model, sliceRows(latent, k))); // [1, 3, H, W] -> RGB
      images.push(latent.origins?.[k] ? { ...image, origin: latent.origins[k] } : image);
    }
    return { outputs: { image: imageBatch(images) }, ui: { text: `${n} images` } };
  },
});
