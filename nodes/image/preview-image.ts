import { defineNode, input, output } from '../../engine';
import { encodePng } from '../../diffusion/image/encode';
import { tileImages } from '../../diffusion/image/tile';
import { IMAGE } from '../diffusion-ports';
import { INT } from '../ports';
import { imagesOf, type ImageValue } from './batch';

export const PreviewImageNode = defineNode({
  type: 'PreviewImage',
  version: 1,
  category: 'output',
  description: 'Shows an image in the editor (sent as a preview event) without writing a file; a batch as one contact sheet.',
  isOutput: true,
  inputs: {
    image: input<ImageValue>(IMAGE),
    scale: input<number>(INT, { schema: { type: 'integer', default: 4, minimum: 1, maximum: 16 } }),
  },
  outputs: { image: output<ImageValue>(IMAGE) },
  run: async ({ image, scale }, ctx) => {
    const images = imagesOf(image);
    const shown = images.length === 1 ? image : tileImages(images);
    const png = await encodePng(shown, { scale });
    ctx.preview({ mime: 'image/png', data: png, width: shown.width * scale, height: shown.height * scale });
    const ui = { preview: { width: shown.width * scale, height: shown.height * scale } };
    return { outputs: { image }, ui: images.length === 1 ? ui : { ...ui, text: `${images.length} images` } };
  },
});
