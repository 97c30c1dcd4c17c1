import { defineNode, input, output } from '../../engine';
import { maskFromImage, type ImageMask, type MaskChannel } from '../../diffusion/image/mask';
import { IMAGE, MASK } from '../diffusion-ports';
import { BOOLEAN, STRING } from '../ports';
import { singleImage, type ImageValue } from './batch';

export const ImageToMaskNode = defineNode({
  type: 'ImageToMask',
  version: 1,
  category: 'image',
  description: 'An inpainting mask from one channel of an image (white = repaint, black = keep; invert swaps them), ' +
    'e.g. a mask painted in any editor and loaded with LoadImage. One image, not a batch.',
  inputs: {
    image: input<ImageValue>(IMAGE),
    channel: input<MaskChannel>(STRING, { schema: { type: 'string', enum: ['luminance', 'red', 'green', 'blue'], default: 'luminance' } }),
    invert: input<boolean>(BOOLEAN, { schema: { type: 'boolean', default: false } }),
  },
  outputs: { mask: output<ImageMask>(MASK) },
  run: ({ image, channel, invert }) => {
    const mask = maskFromImage(singleImage(image, 'ImageToMask', 'image'), channel, invert);
    const share = mask.data.reduce((a, b) => a + b, 0) / mask.data.length;
    return { outputs: { mask }, ui: { text: `${mask.width}x${mask.height}, ${(100 * share).toFixed(0)}% repainted` } };
  },
});
