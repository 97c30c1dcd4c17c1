import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine, GraphValidationError, loadGraph } from '../../engine';
import { graph, testRegistry } from '../helpers/test-nodes';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'graphs');

test('a version-0 file loads, migrates to the current format and runs', async () => {
  const text = readFileSync(join(FIXTURES, 'v0-hello.json'), 'utf8');
  const loaded = loadGraph(text, testRegistry());
  assert.equal(loaded.migratedFrom, 0);
  assert.equal(loaded.file.format, 'cones-graph');
  assert.equal(loaded.file.version, 1);
  assert.deepEqual(loaded.file.nodes.prompt.inputs, { template: '{a} on the left', a: { from: 'subject', output: 'text' } });
  assert.deepEqual((loaded.file.editor as { nodes: Record<string, unknown> }).nodes.subject, { pos: [10, 20] });
  const r = await new Engine(testRegistry()).run(text);
  assert.equal(r.outputs.show.text, 'a red circle on the left');
});

test('an old node version is upgraded by its migration (renamed input)', async () => {
  const g = graph({
    r: { type: 'TestRenamed', version: 1, inputs: { amount: 4 } },
    out: { type: 'TestSink', inputs: { value: { from: 'r', output: 'value' } } },
  });
  const loaded = loadGraph(g, testRegistry());
  assert.deepEqual(loaded.file.nodes.r.inputs, { value: 4 });
  assert.equal(loaded.file.nodes.r.version, 2);
  const r = await new Engine(testRegistry()).run(g);
  assert.equal(r.outputs.out.value, 4);
});

test('a node version without a migration path is a coded error', () => {
  const g = graph({
    r: { type: 'TestRenamed', version: 0, inputs: { amount: 4 } },
    out: { type: 'TestSink', inputs: { value: { from: 'r', output: 'value' } } },
  });
  assert.throws(
    () => loadGraph(g, testRegistry()),
    (e: unknown) => e instanceof GraphValidationError && e.issues.some((i) => i.code === 'E_NODE_VERSION' && i.nodeId === 'r'),
  );
});

test('migration never mutates the caller\'s object', () => {
  const g = graph({
    r: { type: 'TestRenamed', version: 1, inputs: { amount: 4 } },
    out: { type: 'TestSink', inputs: { value: { from: 'r', output: 'value' } } },
  });
  const before = JSON.stringify(g);
  loadGraph(g, testRegistry());
  assert.equal(JSON.stringify(g), before);
});
