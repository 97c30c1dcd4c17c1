import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, input, output } from '../../engine';
import { encodePng } from '../../diffusion/image/encode';
import { IMAGE } from '../diffusion-ports';
import { INT, STRING } from '../ports';
import { imagesOf, type ImageValue } from './batch';
import { provenance } from './provenance';

export const SaveImageNode = defineNode({
  type: 'SaveImage',
  version: 1,
  category: 'output',
  description: 'Writes a PNG to the output folder with the graph and its parameters embedded ' +
    '(drop it on the editor to get the graph back). A batch writes one file per image, each with its own seed.',
  isOutput: true,
  inputs: {
    image: input<ImageValue>(IMAGE),
    prefix: input<string>(STRING, { schema: { type: 'string', default: 'cones', pattern: '^[A-Za-z0-9._-]{1,64}$' } }),
    scale: input<number>(INT, {
      schema: { type: 'integer', default: 1, minimum: 1, maximum: 16 },
      description: 'Nearest-neighbour upscale factor (small models make small images).',
    }),
  },
  outputs: { path: output<string>(STRING, { description: 'The file written (the first one, for a batch).' }) },
  run: async ({ image, prefix, scale }, ctx) => {
    await mkdir(ctx.outputDir, { recursive: true });
    const paths: string[] = [];
    const images = imagesOf(image);
    let n = 1;
    for (const one of images) {
      while (existsSync(join(ctx.outputDir, `${prefix}_${String(n).padStart(5, '0')}.png`))) n++;
      const path = join(ctx.outputDir, `${prefix}_${String(n).padStart(5, '0')}.png`);
      await writeFile(path, await encodePng(one, { scale, text: provenance(ctx, images.length > 1 ? one.origin : undefined) }));
      paths.push(path);
    }
    const shown = paths.map((path) => ({ path, width: image.width * scale, height: image.height * scale }));
    return { outputs: { path: paths[0] }, ui: { files: paths, images: shown } };
  },
});
