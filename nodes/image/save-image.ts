import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, input, output } from '../../engine';
import { encodePng, type RgbImage } from '../../diffusion/image/encode';
import { IMAGE } from '../diffusion-ports';
import { INT, STRING } from '../ports';
import { provenance } from './provenance';

export const SaveImageNode = defineNode({
  type: 'SaveImage',
  version: 1,
  category: 'output',
  description: 'Writes a PNG to the output folder with the graph and its parameters embedded ' +
    '(drop it on the editor to get the graph back).',
  isOutput: true,
  inputs: {
    image: input<RgbImage>(IMAGE),
    prefix: input<string>(STRING, { schema: { type: 'string', default: 'cones', pattern: '^[A-Za-z0-9._-]{1,64}$' } }),
    scale: input<number>(INT, {
      schema: { type: 'integer', default: 1, minimum: 1, maximum: 16 },
      description: 'Nearest-neighbour upscale factor (small models make small images).',
    }),
  },
  outputs: { path: output<string>(STRING) },
  run: async ({ image, prefix, scale }, ctx) => {
    await mkdir(ctx.outputDir, { recursive: true });
    let n = 1;
    while (existsSync(join(ctx.outputDir, `${prefix}_${String(n).padStart(5, '0')}.png`))) n++;
    const path = join(ctx.outputDir, `${prefix}_${String(n).padStart(5, '0')}.png`);
    await writeFile(path, await encodePng(image, { scale, text: provenance(ctx) }));
    return { outputs: { path }, ui: { files: [path], images: [{ path, width: image.width * scale, height: image.height * scale }] } };
  },
});
