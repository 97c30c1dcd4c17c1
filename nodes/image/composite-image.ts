import { defineNode, input, output } from '../../engine';
import { compositeMasked } from '../../diffusion/image/composite';
import type { ImageMask } from '../../diffusion/image/mask';
import { NodeError } from '../codes';
import { IMAGE, MASK } from '../diffusion-ports';
import { INT } from '../ports';
import { imagesOf, mapImages, type ImageValue } from './batch';

export const CompositeImageNode = defineNode({
  type: 'CompositeImage',
  version: 1,
  category: 'image',
  description: 'Pastes an inpainted image over the original through the mask (feathered), so everything outside the ' +
    'mask is the original picture pixel for pixel. A batch is pasted image by image (over one original, or its own).',
  inputs: {
    image: input<ImageValue>(IMAGE, { description: 'The generated image (VAEDecode of the inpainting sampler).' }),
    original: input<ImageValue>(IMAGE),
    mask: input<ImageMask>(MASK),
    feather: input<number>(INT, { schema: { type: 'integer', default: 2, minimum: 0, maximum: 64 }, description: 'Edge softening in pixels.' }),
  },
  outputs: { image: output<ImageValue>(IMAGE) },
  run: async ({ image, original, mask, feather }) => {
    const tops = imagesOf(image);
    const bases = imagesOf(original);
    if (tops.length === 1 && bases.length === 1) return { image: compositeMasked(image, original, mask, feather) };
    if (bases.length !== 1 && bases.length !== tops.length) {
      throw new NodeError('E_IMAGE_BATCH', `Expected one original or a batch of ${tops.length} at CompositeImage's "original" ` +
        `but received a batch of ${bases.length}.`, { hint: 'Give every sampler of this composite the same batch size.' });
    }
    return { image: await mapImages(image, (top, k) => compositeMasked(top, bases[bases.length === 1 ? 0 : k], mask, feather)) };
  },
});
