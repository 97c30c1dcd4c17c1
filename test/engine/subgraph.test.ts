/**
 * Subgraphs expanded at load time (engine/subgraph/expand.ts), with test nodes only: a subgraph used twice runs and
 * caches per inner node, interface inputs replace inner inputs (literal or link), issues inside carry the instance
 * path, cycles through references are E_CYCLE with the chain, versions are checked, overrides reach inside, and
 * the expansion is bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineNode, describeSubgraph, Engine, GraphValidationError, loadGraph, MAX_SUBGRAPH_DEPTH, NodeRegistry, output, type GraphIssue } from '../../engine';
import { graph, link, runCounts, testRegistry } from '../helpers/test-nodes';

const registry = testRegistry();

/**
 * x -> first(TestAdd: x + 1) -> second(TestAdd: first + y) -> sum;   y defaults to 2 (the file's literal).
 */
const ADD2 = {
  format: 'cones-graph', version: 1,
  interface: {
    version: 1,
    inputs: { x: { node: 'first', input: 'a' }, y: { node: 'second', input: 'b' } },
    outputs: { sum: { node: 'second', output: 'sum' } },
  },
  nodes: {
    first: { type: 'TestAdd', inputs: { b: 1 } },
    second: { type: 'TestAdd', inputs: { a: link('first', 'sum'), b: 2 } },
  },
};

function twice(qx = 3, subgraphs: Record<string, unknown> = { add2: ADD2 }) {
  return graph({
    n: { type: 'Number', inputs: { value: 10 } },
    p: { type: 'subgraph/add2', inputs: { x: link('n', 'value'), y: 5 } },
    q: { type: 'subgraph/add2', inputs: { x: qx } },
    outP: { type: 'TestSink', inputs: { value: link('p', 'sum') } },
    outQ: { type: 'TestSink', inputs: { value: link('q', 'sum') } },
  }, { subgraphs });
}

function issuesOf(source: unknown, opts: Parameters<typeof loadGraph>[4] = {}, overrides: Parameters<typeof loadGraph>[3] = []): GraphIssue[] {
  try {
    loadGraph(source, registry, undefined, overrides, opts);
  } catch (err) {
    assert.ok(err instanceof GraphValidationError, `expected a GraphValidationError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected the graph to be refused');
}

const sorted = (xs: string[]) => [...xs].sort();

test('a subgraph used twice runs as INSTANCE/INNER nodes; interface inputs replace inner inputs, literal or linked', async () => {
  runCounts.clear();
  const r = await new Engine(registry).run(twice());
  assert.equal(r.outputs.outP.value, 10 + 1 + 5);
  assert.equal(r.outputs.outQ.value, 3 + 1 + 2, 'y left unset keeps the subgraph file\'s own value');
  assert.deepEqual(sorted(r.executed), ['n', 'outP', 'outQ', 'p/first', 'p/second', 'q/first', 'q/second']);
  assert.equal(runCounts.get('p/first'), 1);
});

test('caching is per inner node: a re-run executes nothing; a changed instance input re-runs only its inner nodes downstream', async () => {
  const engine = new Engine(registry);
  await engine.run(twice(3));
  const again = await engine.run(twice(3));
  assert.deepEqual(again.executed, []);
  assert.deepEqual(sorted(again.cached), ['n', 'outP', 'outQ', 'p/first', 'p/second', 'q/first', 'q/second']);
  const changed = await engine.run(twice(4));
  assert.deepEqual(sorted(changed.executed), ['outQ', 'q/first', 'q/second']);
  assert.equal(changed.outputs.outQ.value, 4 + 1 + 2);
  // y feeds q/second only: q/first stays cached.
  const g = twice(4) as { nodes: Record<string, { inputs: Record<string, unknown> }> };
  g.nodes.q.inputs.y = 7;
  const onlySecond = await engine.run(g);
  assert.deepEqual(sorted(onlySecond.executed), ['outQ', 'q/second']);
});

test('events name the flattened ids', async () => {
  const seen: string[] = [];
  await new Engine(registry).run(twice(), { onEvent: (e) => { if (e.type === 'node_done') seen.push(e.nodeId); } });
  assert.ok(seen.includes('p/second') && seen.includes('q/first'), seen.join(','));
});

test('an interface input bound to several inner inputs feeds them all', async () => {
  const both = {
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: { v: [{ node: 'a', input: 'a' }, { node: 'b', input: 'a' }] }, outputs: { a: { node: 'a', output: 'sum' }, b: { node: 'b', output: 'sum' } } },
    nodes: { a: { type: 'TestAdd', inputs: { b: 1 } }, b: { type: 'TestAdd', inputs: { b: 2 } } },
  };
  const r = await new Engine(registry).run(graph({
    s: { type: 'subgraph/both', inputs: { v: 100 } },
    o1: { type: 'TestSink', inputs: { value: link('s', 'a') } },
    o2: { type: 'TestSink', inputs: { value: link('s', 'b') } },
  }, { subgraphs: { both } }));
  assert.deepEqual([r.outputs.o1.value, r.outputs.o2.value], [101, 102]);
});

test('nested subgraphs: ids carry the whole path, outputs are rewired through both levels', async () => {
  const outer = {
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: { start: { node: 'inner', input: 'x' } }, outputs: { total: { node: 'inner', output: 'sum' } } },
    nodes: { inner: { type: 'subgraph/add2', inputs: { y: 100 } } },
  };
  const r = await new Engine(registry).run(graph({
    o: { type: 'subgraph/outer', inputs: { start: 1 } },
    out: { type: 'TestSink', inputs: { value: link('o', 'total') } },
  }, { subgraphs: { add2: ADD2, outer } }));
  assert.equal(r.outputs.out.value, 1 + 1 + 100);
  assert.deepEqual(sorted(r.executed), ['o/inner/first', 'o/inner/second', 'out']);
});

test('an issue inside a subgraph is reported with its path: node INSTANCE/INNER, the inner input', () => {
  const issues = issuesOf(twice(5000));
  const hit = issues.find((i) => i.code === 'E_VALUE_OUT_OF_RANGE');
  assert.ok(hit, JSON.stringify(issues));
  assert.equal(hit.nodeId, 'q/first');
  assert.equal(hit.nodeType, 'TestAdd');
  assert.equal(hit.input, 'a');
});

test('a cycle through subgraph references is E_CYCLE naming the chain; a subgraph using itself too', () => {
  const wrap = (inner: string) => ({
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: { x: { node: 'n', input: 'x' } }, outputs: { sum: { node: 'n', output: 'sum' } } },
    nodes: { n: { type: inner } },
  });
  const use = (type: string, subgraphs: Record<string, unknown>) => graph({
    s: { type }, out: { type: 'TestSink', inputs: { value: link('s', 'sum') } },
  }, { subgraphs });
  const ab = issuesOf(use('subgraph/a', { a: wrap('subgraph/b'), b: wrap('subgraph/a') }));
  const cycle = ab.find((i) => i.code === 'E_CYCLE');
  assert.ok(cycle, JSON.stringify(ab));
  assert.match(cycle.message, /subgraph\/a -> subgraph\/b -> subgraph\/a/);
  assert.equal(cycle.nodeId, 's/n/n');
  const self = issuesOf(use('subgraph/me', { me: wrap('subgraph/me') }));
  assert.ok(self.some((i) => i.code === 'E_CYCLE' && /subgraph\/me -> subgraph\/me/.test(i.message)), JSON.stringify(self));
  assert.ok(!self.some((i) => i.code === 'E_UNKNOWN_NODE_TYPE'), 'the stand-in is not reported again as an unknown type');
});

test('interface problems: a binding to a missing node or input, an unknown input, a missing output', () => {
  const badBinding = { ...ADD2, interface: { ...ADD2.interface, inputs: { x: { node: 'ghost', input: 'a' }, y: { node: 'second', input: 'nope' } } } };
  const issues = issuesOf(graph({
    b: { type: 'subgraph/bad' },
    c: { type: 'subgraph/add2', inputs: { z: 1 } },
    out: { type: 'TestSink', inputs: { value: link('c', 'total') } },
    d: { type: 'subgraph/missing' },
  }, { subgraphs: { bad: badBinding, add2: ADD2 } }));
  const at = (code: string, nodeId: string, input?: string) => issues.find((i) => i.code === code && i.nodeId === nodeId && i.input === input);
  assert.match(at('E_SUBGRAPH_INTERFACE', 'b')!.message, /ghost/, JSON.stringify(issues));
  assert.ok(issues.some((i) => i.code === 'E_SUBGRAPH_INTERFACE' && i.nodeId === 'b' && /no input "nope"/.test(i.message)));
  assert.match(at('E_UNKNOWN_INPUT', 'c', 'z')!.hint!, /x, y/);
  assert.match(at('E_DANGLING_LINK', 'out', 'value')!.message, /has no output "total"/);
  assert.ok(at('E_UNKNOWN_NODE_TYPE', 'd'));
  assert.equal(issues.filter((i) => i.code === 'E_DANGLING_LINK').length, 1, 'the dangling link is reported once');
});

test('versions: a node saved with a newer or an older interface version is E_NODE_VERSION with a hint', () => {
  for (const version of [2, 0]) {
    const g = twice() as { nodes: Record<string, { version?: number }> };
    g.nodes.p.version = version;
    const hit = issuesOf(g).find((i) => i.code === 'E_NODE_VERSION');
    assert.ok(hit && hit.nodeId === 'p' && hit.hint, `version ${version}`);
  }
  const same = twice() as { nodes: Record<string, { version?: number }> };
  same.nodes.p.version = 1;
  assert.doesNotThrow(() => loadGraph(same, registry));
});

test('overrides reach interface inputs (kept in the provenance file) and inner nodes by path', async () => {
  const loaded = loadGraph(twice(), registry, undefined, [
    { nodeId: 'q', input: 'x', text: '7' },
    { nodeId: 'p/first', input: 'b', text: '100' },
  ]);
  assert.equal((loaded.file.nodes.q.inputs as Record<string, unknown>).x, 7, 'the instance input, in the file as loaded');
  assert.equal(loaded.validated.nodes.get('q/first')!.literals.a, 7);
  assert.equal(loaded.validated.nodes.get('p/first')!.literals.b, 100);
  const nested = {
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: {}, outputs: { total: { node: 'inner', output: 'sum' } } },
    nodes: { inner: { type: 'subgraph/add2' } },
  };
  const viaInstance = loadGraph(graph({
    o: { type: 'subgraph/outer' }, out: { type: 'TestSink', inputs: { value: link('o', 'total') } },
  }, { subgraphs: { add2: ADD2, outer: nested } }), registry, undefined, [{ nodeId: 'o/inner', input: 'y', text: '9' }]);
  assert.equal(viaInstance.validated.nodes.get('o/inner/second')!.literals.b, 9);
  const unknown = issuesOf(twice(), {}, [{ nodeId: 'p/ghost', input: 'a', text: '1' }]);
  assert.ok(unknown.some((i) => i.code === 'E_SET_UNKNOWN_NODE' && i.nodeId === 'p/ghost'));
});

test('requested outputs may name a subgraph node: the output nodes inside it run', async () => {
  const saver = {
    format: 'cones-graph', version: 1, interface: { version: 1, inputs: { v: { node: 'sink', input: 'value' } } },
    nodes: { sink: { type: 'TestSink' } },
  };
  const g = graph({ n: { type: 'Number', inputs: { value: 3 } }, s: { type: 'subgraph/saver', inputs: { v: link('n', 'value') } } }, { subgraphs: { saver } });
  const r = await new Engine(registry).run(g, { outputs: ['s'] });
  assert.deepEqual(sorted(r.executed), ['n', 's/sink']);
});

test('a node id colliding with an expanded inner id is refused', () => {
  const g = twice() as { nodes: Record<string, unknown> };
  g.nodes['p/first'] = { type: 'TestAdd' };
  assert.ok(issuesOf(g).some((i) => i.code === 'E_GRAPH_FORMAT' && i.nodeId === 'p/first'));
});

test('hostile names: __proto__ as an instance id and as an interface input neither pollute nor break', async () => {
  const text = `{"format":"cones-graph","version":1,
    "subgraphs":{"s":{"format":"cones-graph","version":1,
      "interface":{"version":1,"inputs":{"__proto__":{"node":"__proto__","input":"a"}},"outputs":{"sum":{"node":"__proto__","output":"sum"}}},
      "nodes":{"__proto__":{"type":"TestAdd","inputs":{"b":1}}}}},
    "nodes":{"__proto__":{"type":"subgraph/s","inputs":{"__proto__":41}},
             "out":{"type":"TestSink","inputs":{"value":{"from":"__proto__","output":"sum"}}}}}`;
  const r = await new Engine(registry).run(text);
  assert.equal(r.outputs.out.value, 42);
  assert.ok(r.executed.includes('__proto__/__proto__'));
  assert.equal(({} as Record<string, unknown>).sum, undefined);
});

test('expansion is bounded: total nodes (a subgraph used 10 times by one used 10 times ...) and nesting depth', () => {
  const iface = { version: 1, inputs: {}, outputs: {} };
  const leaf = { format: 'cones-graph', version: 1, interface: iface, nodes: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`n${i}`, { type: 'TestAdd' }])) };
  const times10 = (inner: string) => ({ format: 'cones-graph', version: 1, interface: iface, nodes: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`i${i}`, { type: inner }])) });
  const started = performance.now();
  const wide = issuesOf(graph(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${i}`, { type: 'subgraph/s3' }])), {
    subgraphs: { s0: leaf, s1: times10('subgraph/s0'), s2: times10('subgraph/s1'), s3: times10('subgraph/s2') },
  }));
  assert.deepEqual(wide.map((i) => i.code), ['E_SUBGRAPH_LIMIT'], JSON.stringify(wide));
  assert.ok(performance.now() - started < 2000, 'stopped early');

  const chain: Record<string, unknown> = { d0: leaf };
  for (let d = 1; d <= MAX_SUBGRAPH_DEPTH + 1; d++) chain[`d${d}`] = { format: 'cones-graph', version: 1, interface: iface, nodes: { x: { type: `subgraph/d${d - 1}` } } };
  const deep = issuesOf(graph({ top: { type: `subgraph/d${MAX_SUBGRAPH_DEPTH + 1}` } }, { subgraphs: chain }));
  assert.equal(deep[0].code, 'E_SUBGRAPH_LIMIT', JSON.stringify(deep));
  assert.match(deep[0].message, new RegExp(`at most ${MAX_SUBGRAPH_DEPTH} deep`));
  // The deepest chain that fits: MAX_SUBGRAPH_DEPTH levels of subgraphs below the graph.
  let fit: GraphIssue[] = [];
  try {
    loadGraph(graph({ top: { type: `subgraph/d${MAX_SUBGRAPH_DEPTH - 1}` } }, { subgraphs: chain }), registry);
  } catch (err) {
    fit = (err as GraphValidationError).issues;
  }
  assert.deepEqual(fit.map((i) => i.code), ['E_NO_OUTPUT'], 'expanded fully; only the missing output node is left');
});

test('the schema bounds the new sections: bad interface names, sha256 text, subgraph names, nested subgraphs', () => {
  const bad = [
    graph({ a: { type: 'TestAdd', sha256: 'xyz' } as never }),
    graph({}, { interface: { version: 1, inputs: { 'no spaces': { node: 'a', input: 'a' } } } }),
    graph({}, { interface: { inputs: {} } }),
    graph({}, { subgraphs: { '../x': ADD2 } }),
    graph({}, { subgraphs: { a: { ...ADD2, subgraphs: {} } } }),
    graph({}, { subgraphs: { a: { ...ADD2, interface: undefined } } }), // embedded subgraphs exist to be used: interface required
    graph({}, { requires: { 'lib/x': { sha256: 'short' } } }),
  ];
  for (const g of bad) assert.ok(issuesOf(g).some((i) => i.code === 'E_GRAPH_FORMAT'), JSON.stringify(g));
});

test('a graph without subgraphs loads exactly as before: the flat graph is the file itself', () => {
  const g = graph({ n: { type: 'Number', inputs: { value: 1 } }, out: { type: 'TestSink', inputs: { value: link('n', 'value') } } });
  const loaded = loadGraph(g, registry);
  assert.equal(loaded.flat, loaded.file);
});

test('the registry refuses node types under the subgraph prefixes, which graphs could never reach', () => {
  for (const type of ['lib/x', 'subgraph/x']) {
    const def = defineNode({ type, version: 1, category: 't', description: '', inputs: {}, outputs: { v: output<number>('FLOAT') }, run: () => ({ v: 1 }) });
    assert.throws(() => new NodeRegistry([def]), /reserved for subgraphs/);
  }
});

test('an embedded subgraph is described from the file that carries it', () => {
  const file = twice() as unknown as Parameters<typeof describeSubgraph>[3];
  const { description, issues } = describeSubgraph('subgraph/add2', registry, [], file);
  assert.deepEqual(issues, []);
  assert.deepEqual(description!.inputs.map((i) => [i.name, i.type, i.required]), [['x', 'FLOAT', false], ['y', 'FLOAT', false]]);
  assert.equal(describeSubgraph('subgraph/nope', registry, [], file).issues[0].code, 'E_UNKNOWN_NODE_TYPE');
});
