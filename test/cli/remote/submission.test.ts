import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGraph } from '../../../engine';
import { parseSet } from '../../../cli/args';
import { graphToSubmit } from '../../../cli/remote/submission';
import { testRegistry } from '../../helpers/test-nodes';

/** "hello {a}" as an embedded subgraph, used by node `one`, saved by `save`. */
const FILE = {
  format: 'cones-graph', version: 1,
  subgraphs: {
    greet: {
      format: 'cones-graph', version: 1,
      interface: { version: 1, inputs: { name: { node: 'tpl', input: 'a' } }, outputs: { text: { node: 'tpl', output: 'text' } } },
      nodes: { tpl: { type: 'TextTemplate', version: 1, inputs: { template: 'hello {a}', a: 'world' } } },
    },
  },
  nodes: {
    one: { type: 'subgraph/greet', version: 1, inputs: { name: 'ada' } },
    save: { type: 'SaveText', version: 1, inputs: { text: { from: 'one', output: 'text' } } },
  },
};

test('--set of the file\'s own nodes is applied to the file sent, subgraphs kept for the server to expand', () => {
  const overrides = ['one.name=grace'].map(parseSet);
  const sent = graphToSubmit(loadGraph(FILE, testRegistry(), undefined, overrides), overrides, ['save']) as { graph: any; outputs: string[] };
  assert.equal(sent.graph.nodes.one.type, 'subgraph/greet');
  assert.equal(sent.graph.nodes.one.inputs.name, 'grace');
  assert.deepEqual(sent.outputs, ['save']);
  assert.equal(FILE.nodes.one.inputs.name, 'ada', 'the caller\'s object is not changed');
  // What the server validates is what ran here.
  assert.equal(loadGraph(sent.graph, testRegistry(), sent.outputs).validated.nodes.get('one/tpl')!.literals.a, 'grace');
});

test('--set of a node inside a subgraph sends the expanded graph with the resolved outputs', () => {
  const overrides = ['one/tpl.template=bye {a}'].map(parseSet);
  const sent = graphToSubmit(loadGraph(FILE, testRegistry(), undefined, overrides), overrides) as { graph: any; outputs: string[] };
  assert.equal(sent.graph.nodes['one/tpl'].inputs.template, 'bye {a}');
  assert.equal(sent.graph.nodes.one, undefined);
  assert.deepEqual(sent.outputs, ['save']);
  assert.equal(loadGraph(sent.graph, testRegistry(), sent.outputs).validated.nodes.get('one/tpl')!.literals.template, 'bye {a}');
});
