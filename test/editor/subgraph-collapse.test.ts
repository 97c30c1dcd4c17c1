// editor/subgraph-collapse.js and editor/subgraph-types.js without a browser (plain ES modules): the collapsed file
// is valid for the engine and runs the same nodes; the browser's description of an embedded subgraph matches the
// engine's describeSubgraph; names and selections are checked with coded errors.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, test } from 'node:test';
import { describeNode, describeSubgraph, loadGraph, type NodeRegistry } from '../../engine';
import { buildNodeRegistry } from '../../nodes/registry';
import { REPO_ROOT } from '../server/helpers';

let collapse: any;
let types: any;
let registry: NodeRegistry;
before(async () => {
  // Computed URLs: the editor's modules are browser JavaScript outside the TypeScript project.
  collapse = await import(pathToFileURL(join(REPO_ROOT, 'editor/subgraph-collapse.js')).href);
  types = await import(pathToFileURL(join(REPO_ROOT, 'editor/subgraph-types.js')).href);
  registry = await buildNodeRegistry();
});

const graph = () => ({
  format: 'cones-graph', version: 1,
  nodes: {
    subject: { type: 'Text', version: 1, inputs: { value: 'a red circle' } },
    other: { type: 'Text', version: 1, inputs: { value: 'a blue square' } },
    prompt: { type: 'TextTemplate', version: 1, inputs: { template: '{a} {b} {c}', a: { from: 'subject', output: 'text' }, b: { from: 'other', output: 'text' }, c: { from: 'subject', output: 'text' } } },
    wrap: { type: 'TextTemplate', version: 1, inputs: { template: '<{a}>', a: { from: 'prompt', output: 'text' } } },
    second: { type: 'TextTemplate', version: 1, inputs: { template: '[{a}]', a: { from: 'other', output: 'text' } } },
    save: { type: 'SaveText', version: 1, inputs: { text: { from: 'wrap', output: 'text' }, filename: 'out.txt' } },
    save2: { type: 'SaveText', version: 1, inputs: { text: { from: 'wrap', output: 'text' }, filename: 'out2.txt' } },
    save3: { type: 'SaveText', version: 1, inputs: { text: { from: 'second', output: 'text' }, filename: 'out3.txt' } },
  },
  outputs: ['save', 'save3'],
  editor: { nodes: { subject: { pos: [40, 40] }, prompt: { pos: [340, 40] }, wrap: { pos: [640, 100] }, second: { pos: [640, 300] } } },
});

test('collapsed: crossing links become uniquely named interface ports; one outside output feeds one input', () => {
  const { file, nodeId } = collapse.collapseToSubgraph(graph(), ['prompt', 'wrap', 'second'], 'Mid-1');
  assert.equal(nodeId, 'mid-1');
  assert.deepEqual(Object.keys(file.nodes), ['subject', 'other', 'mid-1', 'save', 'save2', 'save3']);
  assert.deepEqual(file.nodes['mid-1'], {
    type: 'subgraph/Mid-1', version: 1,
    inputs: { a: { from: 'subject', output: 'text' }, b: { from: 'other', output: 'text' } },
  });
  const sub = file.subgraphs['Mid-1'];
  assert.deepEqual(sub.interface.inputs, {
    a: [{ node: 'prompt', input: 'a' }, { node: 'prompt', input: 'c' }], // one source, one input
    b: [{ node: 'prompt', input: 'b' }, { node: 'second', input: 'a' }],
  });
  assert.deepEqual(sub.interface.outputs, { text: { node: 'wrap', output: 'text' }, text_2: { node: 'second', output: 'text' } });
  assert.deepEqual(file.nodes.save.inputs.text, { from: 'mid-1', output: 'text' });
  assert.deepEqual(file.nodes.save2.inputs.text, { from: 'mid-1', output: 'text' }, 'a second reader of one output shares it');
  assert.deepEqual(file.nodes.save3.inputs.text, { from: 'mid-1', output: 'text_2' });
  assert.deepEqual(file.editor.nodes['mid-1'], { pos: [340, 40] });
  assert.deepEqual(sub.editor.nodes.wrap, { pos: [340, 100] }, 'inner positions relative to the selection');
  assert.deepEqual(file.outputs, ['save', 'save3']);

  // The engine accepts the result and expands it back to the same nodes.
  const loaded = loadGraph(file, registry);
  assert.deepEqual(Object.keys(loaded.flat.nodes).sort(), ['mid-1/prompt', 'mid-1/second', 'mid-1/wrap', 'other', 'save', 'save2', 'save3', 'subject']);
  assert.deepEqual(loaded.flat.nodes['mid-1/prompt'].inputs, { template: '{a} {b} {c}', a: { from: 'subject', output: 'text' }, c: { from: 'subject', output: 'text' }, b: { from: 'other', output: 'text' } });
  assert.deepEqual(loaded.flat.nodes.save3.inputs?.text, { from: 'mid-1/second', output: 'text' });
});

test('the browser describes an embedded subgraph as the engine does', () => {
  const { file } = collapse.collapseToSubgraph(graph(), ['prompt', 'wrap', 'second'], 'mid');
  const known = new Map(registry.list().map((def) => [def.type, describeNode(def)]));
  const [mine] = types.describeEmbedded(file.subgraphs, (t: string) => known.get(t));
  const engine = describeSubgraph('subgraph/mid', registry, [], file).description!;
  const strip = (d: any) => ({ ...d, inputsSchema: undefined, embedded: undefined, deprecated: undefined });
  assert.deepEqual(strip(mine), strip(engine));
  // Nested: an embedded subgraph using another one, and literals of the inner file as defaults.
  const nested = { outer: { ...file.subgraphs.mid, interface: { version: 2, inputs: { x: { node: 'inner', input: 'b' } }, outputs: { y: { node: 'inner', output: 'text' } } }, nodes: { inner: { type: 'subgraph/mid', version: 1, inputs: { b: 'fixed' } } } }, mid: file.subgraphs.mid };
  const all = types.describeEmbedded(nested, (t: string) => known.get(t));
  const outer = all.find((d: any) => d.type === 'subgraph/outer');
  const engineOuter = describeSubgraph('subgraph/outer', registry, [], { ...file, subgraphs: nested } as any).description!;
  assert.deepEqual(strip(outer), strip(engineOuter));
  assert.equal(outer.inputs[0].schema.default, 'fixed');
  // A cycle is not described (the engine reports it when the graph is validated).
  assert.deepEqual(types.describeEmbedded({ a: { interface: { version: 1, inputs: {}, outputs: {} }, nodes: { b: { type: 'subgraph/a' } } } }, () => undefined).map((d: any) => d.type), ['subgraph/a']);
});

test('names and selections are checked with coded errors', () => {
  for (const name of ['', '.', 'a.b', 'a/b', '../x', '-x', 'x'.repeat(101), 'ä']) {
    assert.throws(() => collapse.collapseToSubgraph(graph(), ['prompt'], name), (err: any) => err.code === 'E_SUBGRAPH_NAME', name);
  }
  const { file } = collapse.collapseToSubgraph(graph(), ['prompt'], 'one');
  assert.throws(() => collapse.collapseToSubgraph(file, ['wrap'], 'one'), (err: any) => err.code === 'E_SUBGRAPH_EXISTS');
  assert.throws(() => collapse.collapseToSubgraph(graph(), ['nope'], 'two'), (err: any) => err.code === 'E_SUBGRAPH_SELECTION');
});
