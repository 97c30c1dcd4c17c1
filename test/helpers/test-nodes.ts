import { defineNode, input, NodeRegistry, output } from '../../engine';
import { ALL_NODES } from '../../nodes';

/** Nodes that exist only for engine tests: they count their runs, sleep, or fail on demand. */
export const runCounts = new Map<string, number>();

function counted(id: string): void {
  runCounts.set(id, (runCounts.get(id) ?? 0) + 1);
}

export const AddNode = defineNode({
  type: 'TestAdd',
  version: 1,
  category: 'test',
  description: 'a + b, counting runs per node id.',
  inputs: {
    a: input<number>('FLOAT', { schema: { type: 'number', default: 0, minimum: -1000, maximum: 1000 } }),
    b: input<number>('FLOAT', { schema: { type: 'number', default: 0 } }),
  },
  outputs: { sum: output<number>('FLOAT') },
  run: ({ a, b }, ctx) => {
    counted(ctx.nodeId);
    return { sum: a + b };
  },
});

export const SinkNode = defineNode({
  type: 'TestSink',
  version: 1,
  category: 'test',
  description: 'Output node collecting a number.',
  isOutput: true,
  inputs: { value: input<number>('FLOAT'), label: input<string>('STRING', { schema: { type: 'string', enum: ['x', 'y'], default: 'x' } }) },
  outputs: { value: output<number>('FLOAT') },
  run: ({ value }, ctx) => {
    counted(ctx.nodeId);
    return { outputs: { value }, ui: { value } };
  },
});

export const SlowNode = defineNode({
  type: 'TestSlow',
  version: 1,
  category: 'test',
  description: 'Sleeps `steps` x 20 ms, reporting progress and checking for cancellation between steps.',
  inputs: {
    steps: input<number>('INT', { schema: { type: 'integer', default: 5, minimum: 1, maximum: 1000 } }),
    value: input<number>('FLOAT', { schema: { type: 'number', default: 1 } }),
  },
  outputs: { value: output<number>('FLOAT') },
  run: async ({ steps, value }, ctx) => {
    counted(ctx.nodeId);
    for (let i = 0; i < steps; i++) {
      ctx.throwIfAborted();
      await new Promise((r) => setTimeout(r, 20));
      ctx.progress(i + 1, steps);
    }
    return { value };
  },
});

export const FailNode = defineNode({
  type: 'TestFail',
  version: 1,
  category: 'test',
  description: 'Throws a coded error.',
  inputs: { value: input<number>('FLOAT', { schema: { type: 'number', default: 0 } }) },
  outputs: { value: output<number>('FLOAT') },
  run: () => {
    throw Object.assign(new Error('deliberate failure'), { code: 'E_TEST_FAILURE' });
  },
});

/** Version 2 renamed input `amount` to `value`; version 1 files must still load. */
export const RenamedNode = defineNode({
  type: 'TestRenamed',
  version: 2,
  category: 'test',
  description: 'A node whose input was renamed in version 2.',
  inputs: { value: input<number>('FLOAT', { schema: { type: 'number' } }) },
  outputs: { value: output<number>('FLOAT') },
  migrations: { 1: ({ amount, ...rest }) => ({ ...rest, value: amount }) },
  run: ({ value }) => ({ value }),
});

export const TEST_NODES = [AddNode, SinkNode, SlowNode, FailNode, RenamedNode];

export function testRegistry(): NodeRegistry {
  return new NodeRegistry([...ALL_NODES, ...TEST_NODES]);
}

export const nodes = TEST_NODES;

/** Builds a current-format graph file from a node map. */
export function graph(
  nodes: Record<string, { type: string; inputs?: Record<string, unknown>; version?: number; cache?: boolean }>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { format: 'cones-graph', version: 1, nodes, ...extra };
}

export const link = (from: string, output: string) => ({ from, output });
