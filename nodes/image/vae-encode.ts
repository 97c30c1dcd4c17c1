import { defineNode, input, output } from '../../engine';
import { rgbToTensor } from '../../diffusion/image/decode';
import type { SdModel } from '../../diffusion/model/load';
import { encodeImage } from '../../diffusion/model/vae';
import { concatRows } from '../../diffusion/pipeline/batch';
import { IMAGE, LATENT, MODEL } from '../diffusion-ports';
import { imagesOf, type ImageValue, type LatentValue } from './batch';

export const VaeEncodeNode = defineNode({
  type: 'VAEEncode',
  version: 1,
  category: 'image',
  description: 'VAE encoder (the model folder\'s vae_encoder/): an RGB image -> latents in the UNet\'s scaled space, the ' +
    'starting point of image-to-image. Sides must be multiples of the model\'s VAE factor (ResizeImage first). ' +
    'A batch of images -> a batch of latents [N, C, h, w].',
  inputs: { model: input<SdModel>(MODEL), image: input<ImageValue>(IMAGE) },
  outputs: { latent: output<LatentValue>(LATENT) },
  run: async ({ model, image }) => {
    const latents = [];
    for (const one of imagesOf(image)) latents.push(await encodeImage(model, rgbToTensor(one))); // each [1, C, h, w]
    const latent = concatRows(latents);
    return { outputs: { latent }, ui: { text: `latent [${latent.dims.join(', ')}]` } };
  },
});
