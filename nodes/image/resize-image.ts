import { defineNode, input, output } from '../../engine';
import { resizeRgb } from '../../diffusion/image/decode';
import type { RgbImage } from '../../diffusion/image/encode';
import { IMAGE } from '../diffusion-ports';
import { INT } from '../ports';

const side = (description: string) => input<number>(INT, { schema: { type: 'integer', default: 0, minimum: 0, maximum: 4096 }, description });

export const ResizeImageNode = defineNode({
  type: 'ResizeImage',
  version: 1,
  category: 'image',
  description: 'Resizes an image with a Lanczos filter (sharp lanczos3), e.g. to the model\'s size before VAEEncode.',
  inputs: {
    image: input<RgbImage>(IMAGE),
    width: side('0 = keep the aspect ratio from height (both 0: unchanged).'),
    height: side('0 = keep the aspect ratio from width.'),
  },
  outputs: { image: output<RgbImage>(IMAGE) },
  run: async ({ image, width, height }) => {
    const w = width || (height ? Math.max(1, Math.round((image.width * height) / image.height)) : image.width);
    const h = height || (width ? Math.max(1, Math.round((image.height * width) / image.width)) : image.height);
    return { outputs: { image: await resizeRgb(image, w, h) }, ui: { text: `${image.width}x${image.height} -> ${w}x${h}` } };
  },
});
