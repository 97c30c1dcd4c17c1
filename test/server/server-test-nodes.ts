// A registry module for server tests: nodes that block the worker thread, or kill it.
import { defineNode, input, output } from '../../engine';

export const BusyNode = defineNode({
  type: 'TestBusy',
  version: 1,
  category: 'test',
  description: 'Busy-waits synchronously for `ms` milliseconds (stands in for onnxruntime\'s blocking run()).',
  inputs: { ms: input<number>('INT', { schema: { type: 'integer', default: 500, minimum: 0, maximum: 10_000 } }) },
  outputs: { value: output<number>('FLOAT') },
  cache: false,
  run: ({ ms }) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      // Deliberately blocking: the thread cannot serve anything else meanwhile.
    }
    return { value: ms };
  },
});

export const CrashNode = defineNode({
  type: 'TestCrash',
  version: 1,
  category: 'test',
  description: 'Ends the thread it runs on, as a native crash in a model runtime would.',
  inputs: { value: input<number>('FLOAT', { schema: { type: 'number', default: 0 } }) },
  outputs: { value: output<number>('FLOAT') },
  cache: false,
  run: () => {
    process.exit(7);
  },
});



export const ReadTextNode = defineNode({
  type: 'TestReadText',
  version: 1,
  category: 'test',
  description: 'Reads a text file named by a file input (resolved in the server folders).',
  isOutput: true,
  inputs: { path: input<string>('STRING', { schema: { type: 'string', minLength: 1 }, file: 'file' }) },
  outputs: { text: output<string>('STRING') },
  run: async ({ path }, ctx) => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(ctx.resolvePath(path), 'utf8');
    return { outputs: { text }, ui: { text } };
  },
});
export const ResidualSinkNode = defineNode({
  type: 'TestResidualSink',
  version: 1,
  category: 'test',
  description: 'An output node taking a residual, so a LoadResidual alone is what a run executes.',
  isOutput: true,
  inputs: { residual: input<{ width: number }>('RESIDUAL') },
  outputs: { width: output<number>('INT') },
  run: ({ residual }) => ({ width: residual.width }),
});
export const nodes = [BusyNode, CrashNode, ReadTextNode, ResidualSinkNode];
