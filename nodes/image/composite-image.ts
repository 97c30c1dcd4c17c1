import { defineNode, input, output } from '../../engine';
import { compositeMasked } from '../../diffusion/image/composite';
import type { RgbImage } from '../../diffusion/image/encode';
import type { ImageMask } from '../../diffusion/image/mask';
import { IMAGE, MASK } from '../diffusion-ports';
import { INT } from '../ports';

export const CompositeImageNode = defineNode({
  type: 'CompositeImage',
  version: 1,
  category: 'image',
  description: 'Pastes an inpainted image over the original through the mask (feathered), so everything outside the ' +
    'mask is the original picture pixel for pixel.',
  inputs: {
    image: input<RgbImage>(IMAGE, { description: 'The generated image (VAEDecode of the inpainting sampler).' }),
    original: input<RgbImage>(IMAGE),
    mask: input<ImageMask>(MASK),
    feather: input<number>(INT, { schema: { type: 'integer', default: 2, minimum: 0, maximum: 64 }, description: 'Edge softening in pixels.' }),
  },
  outputs: { image: output<RgbImage>(IMAGE) },
  run: ({ image, original, mask, feather }) => ({ image: compositeMasked(image, original, mask, feather) }),
});
