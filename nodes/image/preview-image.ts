import { defineNode, input, output } from '../../engine';
import { encodePng, type RgbImage } from '../../diffusion/image/encode';
import { IMAGE } from '../diffusion-ports';
import { INT } from '../ports';

export const PreviewImageNode = defineNode({
  type: 'PreviewImage',
  version: 1,
  category: 'output',
  description: 'Shows an image in the editor (sent as a preview event) without writing a file.',
  isOutput: true,
  inputs: {
    image: input<RgbImage>(IMAGE),
    scale: input<number>(INT, { schema: { type: 'integer', default: 4, minimum: 1, maximum: 16 } }),
  },
  outputs: { image: output<RgbImage>(IMAGE) },
  run: async ({ image, scale }, ctx) => {
    const png = await encodePng(image, { scale });
    ctx.preview({ mime: 'image/png', data: png, width: image.width * scale, height: image.height * scale });
    return { outputs: { image }, ui: { preview: { width: image.width * scale, height: image.height * scale } } };
  },
});
