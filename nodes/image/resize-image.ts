import { defineNode, input, output } from '../../engine';
import { resizeRgb } from '../../diffusion/image/decode';
import { IMAGE } from '../diffusion-ports';
import { INT } from '../ports';
import { imagesOf, mapImages, type ImageValue } from './batch';

const side = (description: string) => input<number>(INT, { schema: { type: 'integer', default: 0, minimum: 0, maximum: 4096 }, description });

export const ResizeImageNode = defineNode({
  type: 'ResizeImage',
  version: 1,
  category: 'image',
  description: 'Resizes an image (each image of a batch) with a Lanczos filter (sharp lanczos3), e.g. to the model\'s size before VAEEncode.',
  inputs: {
    image: input<ImageValue>(IMAGE),
    width: side('0 = keep the aspect ratio from height (both 0: unchanged).'),
    height: side('0 = keep the aspect ratio from width.'),
  },
  outputs: { image: output<ImageValue>(IMAGE) },
  run: async ({ image, width, height }) => {
    const w = width || (height ? Math.max(1, Math.round((image.width * height) / image.height)) : image.width);
    const h = height || (width ? Math.max(1, Math.round((image.height * width) / image.width)) : image.height);
    const n = imagesOf(image).length;
    const resized = n === 1 ? await resizeRgb(image, w, h) : await mapImages(image, (one) => resizeRgb(one, w, h));
    return { outputs: { image: resized }, ui: { text: `${image.width}x${image.height} -> ${w}x${h}${n > 1 ? ` (${n} images)` : ''}` } };
  },
});
