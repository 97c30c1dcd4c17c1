import { defineNode, input, output } from '../../engine';
import { tensorToRgb, type RgbImage } from '../../diffusion/image/encode';
import type { SdModel } from '../../diffusion/model/load';
import { decodeLatents } from '../../diffusion/model/vae';
import type { F32Tensor } from '../../diffusion/tensor';
import { IMAGE, LATENT, MODEL } from '../diffusion-ports';

export const VaeDecodeNode = defineNode({
  type: 'VAEDecode',
  version: 1,
  category: 'image',
  description: 'VAE decoder: latents -> an 8-bit RGB image.',
  inputs: { model: input<SdModel>(MODEL), latent: input<F32Tensor>(LATENT) },
  outputs: { image: output<RgbImage>(IMAGE) },
  run: async ({ model, latent }) => ({ image: tensorToRgb(await decodeLatents(model, latent)) }),
});
