import { defineNode, input, output } from '../../engine';
import { rgbToTensor } from '../../diffusion/image/decode';
import type { RgbImage } from '../../diffusion/image/encode';
import type { SdModel } from '../../diffusion/model/load';
import { encodeImage } from '../../diffusion/model/vae';
import type { F32Tensor } from '../../diffusion/tensor';
import { IMAGE, LATENT, MODEL } from '../diffusion-ports';

export const VaeEncodeNode = defineNode({
  type: 'VAEEncode',
  version: 1,
  category: 'image',
  description: 'VAE encoder (the model folder\'s vae_encoder/): an RGB image -> latents in the UNet\'s scaled space, the ' +
    'starting point of image-to-image. Sides must be multiples of the model\'s VAE factor (ResizeImage first).',
  inputs: { model: input<SdModel>(MODEL), image: input<RgbImage>(IMAGE) },
  outputs: { latent: output<F32Tensor>(LATENT) },
  run: async ({ model, image }) => {
    const latent = await encodeImage(model, rgbToTensor(image));
    return { outputs: { latent }, ui: { text: `latent [${latent.dims.join(', ')}]` } };
  },
});
