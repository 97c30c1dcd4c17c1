import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineNode, Engine, InterruptedError, input, NodeRegistry, NodeRunError, output, type RunEvent } from '../../engine';
import { graph, link, runCounts, testRegistry } from '../helpers/test-nodes';
import { scratchDir } from '../helpers/scratch';

/**
 *   seed ──> a ──> b ──> out1
 *   k ──────────> c ──> out2        (a diamond-free fan so descendants are easy to state)
 *   unused (not an ancestor of any output)
 */
function fanGraph(seed = 1, k = 10) {
  return graph({
    seed: { type: 'Number', inputs: { value: seed } },
    k: { type: 'Number', inputs: { value: k } },
    a: { type: 'TestAdd', inputs: { a: link('seed', 'value'), b: 1 } },
    b: { type: 'TestAdd', inputs: { a: link('a', 'sum'), b: 2 } },
    c: { type: 'TestAdd', inputs: { a: link('k', 'value'), b: 3 } },
    unused: { type: 'TestAdd', inputs: { a: 5 } },
    out1: { type: 'TestSink', inputs: { value: link('b', 'sum') } },
    out2: { type: 'TestSink', inputs: { value: link('c', 'sum') } },
  });
}

function collect(): { events: RunEvent[]; onEvent: (e: RunEvent) => void } {
  const events: RunEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

test('runs only ancestors of the outputs, in dependency order, and computes values', async () => {
  const engine = new Engine(testRegistry());
  const r = await engine.run(fanGraph());
  assert.ok(!r.executed.includes('unused'));
  assert.ok(r.executed.indexOf('a') < r.executed.indexOf('b') && r.executed.indexOf('b') < r.executed.indexOf('out1'));
  assert.equal(r.outputs.out1.value, 1 + 1 + 2);
  assert.equal(r.outputs.out2.value, 13);
});

test('a requested output runs only its own ancestors', async () => {
  const engine = new Engine(testRegistry());
  const r = await engine.run(fanGraph(), { outputs: ['out2'] });
  assert.deepEqual([...r.executed].sort(), ['c', 'k', 'out2']);
});

test('second run of an unchanged graph executes zero nodes', async () => {
  const engine = new Engine(testRegistry());
  await engine.run(fanGraph());
  const { events, onEvent } = collect();
  const r = await engine.run(fanGraph(), { onEvent });
  assert.deepEqual(r.executed, []);
  assert.equal(r.cached.length, 7);
  assert.equal(events.filter((e) => e.type === 'node_cached').length, 7);
  assert.equal(events.filter((e) => e.type === 'node_start').length, 0);
  assert.equal(r.outputs.out1.value, 4, 'cached values are served');
});

test('changing one value re-runs exactly its descendants', async () => {
  const engine = new Engine(testRegistry());
  await engine.run(fanGraph(1, 10));
  const r = await engine.run(fanGraph(2, 10));
  assert.deepEqual([...r.executed].sort(), ['a', 'b', 'out1', 'seed']);
  assert.deepEqual([...r.cached].sort(), ['c', 'k', 'out2']);
  assert.equal(r.outputs.out1.value, 5);
});

test('cache: false on the run, or on a node, forces execution', async () => {
  const engine = new Engine(testRegistry());
  await engine.run(fanGraph());
  const r = await engine.run(fanGraph(), { cache: false });
  assert.equal(r.executed.length, 7);
  const g = fanGraph() as { nodes: Record<string, { cache?: boolean }> };
  g.nodes.c.cache = false;
  const r2 = await engine.run(g);
  assert.deepEqual(r2.executed, ['c'], 'only the uncached node re-runs; its unchanged output keeps descendants cached');
});

test('file inputs join the cache key by content', async () => {
  const dir = scratchDir('file');
  const file = join(dir, 'data.txt');
  writeFileSync(file, 'one');
  let reads = 0;
  const Reader = defineNode({
    type: 'ReadLen', version: 1, category: 'test', description: 'length of a file path input', isOutput: true,
    inputs: { path: input<string>('STRING', { schema: { type: 'string' }, file: 'file' }) },
    outputs: { n: output<number>('FLOAT') },
    run: () => ({ n: ++reads }),
  });
  const engine = new Engine(new NodeRegistry([Reader]));
  const g = { format: 'cones-graph', version: 1, nodes: { r: { type: 'ReadLen', inputs: { path: 'data.txt' } } } };
  await engine.run(g, { searchPaths: [dir] });
  await engine.run(g, { searchPaths: [dir] });
  assert.equal(reads, 1);
  writeFileSync(file, 'two!');
  await engine.run(g, { searchPaths: [dir] });
  assert.equal(reads, 2);
});

test('events: start, progress, done with outputs, run done; in order', async () => {
  const engine = new Engine(testRegistry());
  const { events, onEvent } = collect();
  const g = graph({
    s: { type: 'TestSlow', inputs: { steps: 3, value: 7 } },
    out: { type: 'TestSink', inputs: { value: link('s', 'value') } },
  });
  await engine.run(g, { onEvent });
  const types = events.map((e) => e.type);
  assert.deepEqual(types, [
    'run_start', 'node_start', 'progress', 'progress', 'progress', 'node_done', 'node_start', 'node_done', 'run_done',
  ]);
  const done = events.find((e) => e.type === 'node_done' && e.nodeId === 'out');
  assert.ok(done && done.type === 'node_done');
  assert.deepEqual(done.outputs, { value: 7 });
  assert.deepEqual(done.ui, { value: 7 });
  const last = events.at(-1);
  assert.ok(last?.type === 'run_done' && last.executed.length === 2);
});

test('cancellation mid-node stops the run with an interrupted event, and nothing after it runs', async () => {
  runCounts.clear();
  const engine = new Engine(testRegistry());
  const controller = new AbortController();
  const { events, onEvent } = collect();
  const g = graph({
    s: { type: 'TestSlow', inputs: { steps: 200 } },
    after: { type: 'TestAdd', inputs: { a: link('s', 'value') } },
    out: { type: 'TestSink', inputs: { value: link('after', 'sum') } },
  });
  setTimeout(() => controller.abort(), 120);
  await assert.rejects(
    engine.run(g, { signal: controller.signal, onEvent }),
    (e: unknown) => e instanceof InterruptedError && e.nodeId === 's',
  );
  assert.equal(events.at(-1)?.type, 'interrupted');
  const progress = events.filter((e) => e.type === 'progress').length;
  assert.ok(progress > 0 && progress < 200, `stopped part-way (${progress} steps)`);
  assert.equal(runCounts.get('after'), undefined);
  // An interrupted node is not cached: the next run executes it again.
  runCounts.clear();
  const r = await engine.run(graph({
    s: { type: 'TestSlow', inputs: { steps: 2 } },
    out: { type: 'TestSink', inputs: { value: link('s', 'value') } },
  }));
  assert.deepEqual(r.executed, ['s', 'out']);
});

test('a failing node gives a run_error naming node, type, code and inputs', async () => {
  const engine = new Engine(testRegistry());
  const { events, onEvent } = collect();
  const g = graph({ f: { type: 'TestFail', inputs: { value: 2 } }, out: { type: 'TestSink', inputs: { value: link('f', 'value') } } });
  await assert.rejects(
    engine.run(g, { onEvent }),
    (e: unknown) => e instanceof NodeRunError && e.code === 'E_TEST_FAILURE' && e.nodeId === 'f',
  );
  const err = events.at(-1);
  assert.ok(err?.type === 'run_error');
  assert.equal(err.nodeType, 'TestFail');
  assert.deepEqual(err.inputs, { value: '2' });
});

test('a linked value that breaks the input schema fails with a value code', async () => {
  const engine = new Engine(testRegistry());
  const g = graph({
    n: { type: 'Number', inputs: { value: 5000 } },
    a: { type: 'TestAdd', inputs: { a: link('n', 'value') } },
    out: { type: 'TestSink', inputs: { value: link('a', 'sum') } },
  });
  await assert.rejects(
    engine.run(g),
    (e: unknown) => e instanceof NodeRunError && e.code === 'E_VALUE_OUT_OF_RANGE' && e.nodeId === 'a',
  );
});

test('a node that forgets an output fails cleanly', async () => {
  const Bad = defineNode({
    type: 'Bad', version: 1, category: 't', description: '', isOutput: true,
    inputs: {}, outputs: { x: output<number>('FLOAT') }, run: () => ({}) as { x: number },
  });
  await assert.rejects(
    new Engine(new NodeRegistry([Bad])).run({ format: 'cones-graph', version: 1, nodes: { b: { type: 'Bad' } } }),
    (e: unknown) => e instanceof NodeRunError && e.code === 'E_NODE_FAILED',
  );
});
