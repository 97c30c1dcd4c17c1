import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { defineNode, input, output } from '../../engine';
import { STRING } from '../ports';

export const SaveTextNode = defineNode({
  type: 'SaveText',
  version: 1,
  category: 'output',
  description: 'Writes text to a file in the run\'s output folder.',
  isOutput: true,
  inputs: {
    text: input<string>(STRING),
    filename: input<string>(STRING, { schema: { type: 'string', default: 'output.txt', pattern: '^[^/\\\\]+$', minLength: 1 } }),
  },
  outputs: { path: output<string>(STRING) },
  run: async ({ text, filename }, ctx) => {
    await mkdir(ctx.outputDir, { recursive: true });
    const path = join(ctx.outputDir, basename(filename));
    await writeFile(path, text);
    return { outputs: { path }, ui: { files: [path], text } };
  },
});
