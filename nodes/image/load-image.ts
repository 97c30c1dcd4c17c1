import { basename } from 'node:path';
import { defineNode, input, output } from '../../engine';
import { readRgbImage } from '../../diffusion/image/decode';
import { encodePng, type RgbImage } from '../../diffusion/image/encode';
import { IMAGE } from '../diffusion-ports';
import { knownText } from '../facts';
import { INT, STRING } from '../ports';

export const LoadImageNode = defineNode({
  type: 'LoadImage',
  version: 1,
  category: 'loaders',
  description: 'Reads a PNG, JPEG or WebP image (EXIF orientation applied, alpha dropped) for image-to-image and inpainting. ' +
    'On the server it must sit in the inputs folder.',
  inputs: {
    path: input<string>(STRING, { schema: { type: 'string', minLength: 1, 'x-widget': 'path', 'x-choices': 'inputs' }, file: 'file' }),
  },
  outputs: { image: output<RgbImage>(IMAGE), width: output<number>(INT), height: output<number>(INT) },
  // The run's own bounded decode (64 MiB file, 4096 x 4096 pixels): exists, is an image, within the limits.
  check: async ({ literals, facts }, ctx) => {
    const path = knownText(literals.path, facts.path);
    if (path === undefined) return;
    const image = await ctx.attempt('path', () => readRgbImage(ctx.resolvePath(path)));
    if (image) return { facts: { width: image.width, height: image.height } };
  },
  run: async ({ path }, ctx) => {
    const image = await readRgbImage(ctx.resolvePath(path));
    const data = await encodePng(image, { scale: Math.max(1, Math.floor(256 / image.width)) });
    ctx.preview({ mime: 'image/png', data, width: image.width, height: image.height });
    return { outputs: { image, width: image.width, height: image.height }, ui: { text: `${basename(path)}: ${image.width}x${image.height}` } };
  },
});
