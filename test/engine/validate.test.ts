import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, GraphValidationError, loadGraph, type GraphIssue } from '../../engine';
import { graph, link, testRegistry } from '../helpers/test-nodes';

const registry = testRegistry();

function issuesOf(source: unknown): GraphIssue[] {
  try {
    loadGraph(source, registry);
  } catch (err) {
    assert.ok(err instanceof GraphValidationError, `expected a GraphValidationError, got ${String(err)}`);
    return err.issues;
  }
  return [];
}

const sink = (from: string, output = 'sum') => ({ type: 'TestSink', inputs: { value: link(from, output) } });

const IFACE = { version: 1, inputs: {}, outputs: { sum: { node: 'x', output: 'sum' } } };
/** Subgraphs d0 .. d9, each using the one below: 10 levels, 2 more than MAX_SUBGRAPH_DEPTH (8). */
const TOO_DEEP = Object.fromEntries(Array.from({ length: 10 }, (_, d) => [
  `d${d}`, { format: 'cones-graph', version: 1, interface: IFACE, nodes: { x: { type: d ? `subgraph/d${d - 1}` : 'TestAdd' } } },
]));

/** One bad graph per code: [code, graph, expected node id, expected input]. */
const MATRIX: Array<[string, unknown, string | undefined, string | undefined]> = [
  ['E_GRAPH_JSON', '{"format": "cones-graph", ', undefined, undefined],
  ['E_GRAPH_FORMAT', { format: 'cones-graph', version: 1, nodes: { a: { inputs: {} } } }, 'a', undefined],
  ['E_GRAPH_VERSION', { format: 'cones-graph', version: 99, nodes: {} }, undefined, undefined],
  ['E_UNKNOWN_NODE_TYPE', graph({ a: { type: 'NoSuchNode' }, out: sink('a') }), 'a', undefined],
  ['E_NODE_VERSION', graph({ a: { type: 'TestAdd', version: 7 }, out: sink('a') }), 'a', undefined],
  ['E_UNKNOWN_INPUT', graph({ a: { type: 'TestAdd', inputs: { c: 1 } }, out: sink('a') }), 'a', 'c'],
  ['E_MISSING_INPUT', graph({ out: { type: 'TestSink' } }), 'out', 'value'],
  [
    'E_TYPE_MISMATCH',
    graph({ t: { type: 'Text', inputs: { value: 'x' } }, out: { type: 'TestSink', inputs: { value: link('t', 'text') } } }),
    'out', 'value',
  ],
  ['E_TYPE_MISMATCH', graph({ out: { type: 'TestSink', inputs: { value: 3 } } }), 'out', 'value'],
  ['E_VALUE_OUT_OF_RANGE', graph({ a: { type: 'TestAdd', inputs: { a: 5000 } }, out: sink('a') }), 'a', 'a'],
  [
    'E_VALUE_NOT_IN_LIST',
    graph({ a: { type: 'TestAdd' }, out: { type: 'TestSink', inputs: { value: link('a', 'sum'), label: 'z' } } }),
    'out', 'label',
  ],
  ['E_VALUE_INVALID', graph({ a: { type: 'TestAdd', inputs: { b: 'seven' } }, out: sink('a') }), 'a', 'b'],
  ['E_DANGLING_LINK', graph({ out: sink('ghost') }), 'out', 'value'],
  ['E_DANGLING_LINK', graph({ a: { type: 'TestAdd' }, out: sink('a', 'total') }), 'out', 'value'],
  [
    'E_CYCLE',
    graph({
      a: { type: 'TestAdd', inputs: { a: link('b', 'sum') } }, b: { type: 'TestAdd', inputs: { a: link('a', 'sum') } }, out: sink('b'),
    }),
    'a', undefined,
  ],
  ['E_NO_OUTPUT', graph({ a: { type: 'TestAdd' } }), undefined, undefined],
  ['E_SUBGRAPH_NAME', graph({ s: { type: 'lib/../x' }, out: sink('s') }), 's', undefined],
  [
    'E_SUBGRAPH_INTERFACE',
    graph({ s: { type: 'subgraph/a' }, out: sink('s') }, { subgraphs: { a: { format: 'cones-graph', version: 1, interface: IFACE, nodes: {} } } }),
    's', undefined,
  ],
  ['E_SUBGRAPH_LIMIT', graph({ top: { type: 'subgraph/d9' }, out: sink('top') }, { subgraphs: TOO_DEEP }), `top${'/x'.repeat(8)}`, undefined],
  ['E_NO_OUTPUT', graph({ a: { type: 'TestAdd' }, out: sink('a') }, { outputs: ['a'] }), 'a', undefined],
];

for (const [code, source, nodeId, input] of MATRIX) {
  test(`${code} at ${nodeId ?? 'file'}${input ? `.${input}` : ''}`, () => {
    const issues = issuesOf(source);
    const hit = issues.find((i) => i.code === code && i.nodeId === nodeId);
    assert.ok(hit, `expected ${code} at ${nodeId}, got ${JSON.stringify(issues)}`);
    assert.equal(hit.nodeId, nodeId);
    assert.equal(hit.input, input);
    const namesNodeType = nodeId && code !== 'E_GRAPH_FORMAT' && code !== 'E_NO_OUTPUT' || code === 'E_UNKNOWN_NODE_TYPE';
    if (namesNodeType) assert.ok(hit.nodeType, 'names the node type');
    assert.ok(hit.message.length > 10);
  });
}

test('every validation code in the catalogue is exercised by the matrix', () => {
  // Raised outside graph validation: at run time, by file reading, by plugin loading; overrides: overrides.test.ts;
  // by the file checks: preflight.test.ts; needing library files: subgraph-library.test.ts.
  const runtimeOnly = new Set([
    'E_NODE_FAILED', 'E_INTERRUPTED', 'E_GRAPH_FILE', 'E_PLUGIN_LOAD', 'E_SET_UNKNOWN_NODE', 'E_FILE_NOT_ALLOWED', 'E_CHECK_FAILED',
    'E_SUBGRAPH_HASH',
  ]);
  const covered = new Set(MATRIX.map((m) => m[0]));
  for (const code of Object.keys(ERROR_CODES)) if (!runtimeOnly.has(code)) assert.ok(covered.has(code), `${code} not covered`);
});

test('collects every issue of a graph, not just the first', () => {
  const issues = issuesOf(graph({
    a: { type: 'NoSuch' },
    b: { type: 'TestAdd', inputs: { a: 99999, q: 1 } },
    out: sink('ghost'),
  }));
  assert.deepEqual(issues.map((i) => i.code).sort(), ['E_DANGLING_LINK', 'E_UNKNOWN_INPUT', 'E_UNKNOWN_NODE_TYPE', 'E_VALUE_OUT_OF_RANGE']);
});

test('defaults fill missing inputs and a valid graph has no issues', () => {
  const loaded = loadGraph(graph({ a: { type: 'TestAdd' }, out: sink('a') }), registry);
  assert.deepEqual(loaded.validated.nodes.get('a')!.literals, { a: 0, b: 0 });
  assert.deepEqual(loaded.validated.targets, ['out']);
});

test('a literal object that looks like a link can be escaped with { value }', () => {
  const loaded = loadGraph(graph({
    t: { type: 'Text', inputs: { value: { value: 'plain' } } },
    s: { type: 'ShowText', inputs: { text: link('t', 'text') } },
  }), registry);
  assert.equal(loaded.validated.nodes.get('t')!.literals.value, 'plain');
});

test('a cycle names exactly the nodes on it, not those downstream', () => {
  const issues = issuesOf(graph({
    a: { type: 'TestAdd', inputs: { a: link('c', 'sum') } },
    b: { type: 'TestAdd', inputs: { a: link('a', 'sum') } },
    c: { type: 'TestAdd', inputs: { a: link('b', 'sum') } },
    d: { type: 'TestAdd', inputs: { a: link('c', 'sum') } },
    out: sink('d'),
  }));
  assert.deepEqual(issues.filter((i) => i.code === 'E_CYCLE').map((i) => i.nodeId).sort(), ['a', 'b', 'c']);
});

test('inputs and outputs named after Object.prototype members are unknown, not inherited (issue 23, item 5)', () => {
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    const text = `{"format":"cones-graph","version":1,"nodes":{"a":{"type":"TestAdd","inputs":{"${name}":1}},` +
      `"out":{"type":"TestSink","inputs":{"value":{"from":"a","output":"${name}"}}}}}`;
    const codes = issuesOf(text).map((i) => `${i.code}:${i.nodeId}`).sort();
    assert.deepEqual(codes, ['E_DANGLING_LINK:out', 'E_UNKNOWN_INPUT:a'], name);
  }
});

test('hostile shapes are coded validation errors, never E_INTERNAL (issue 23, item 5; item 4 for v0 strings)', () => {
  const deep = `{"format":"cones-graph","version":1,"nodes":{},"meta":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  assert.deepEqual(issuesOf(deep).map((i) => i.code), ['E_GRAPH_FORMAT']);
  const objectId = { version: 0, nodes: [{ id: { toString: 1 }, type: 'Text', params: {} }] };
  assert.deepEqual(issuesOf(objectId).map((i) => i.code), ['E_GRAPH_FORMAT']);
  const linkObject = { version: 0, nodes: [{ id: 'a', type: 'TestSink', links: { value: [{ toString: 1 }, 'x'] } }] };
  assert.deepEqual(issuesOf(linkObject).map((i) => i.code), ['E_GRAPH_FORMAT']);
  // A 1 MB string where an object belongs used to spread into a million E_UNKNOWN_INPUT issues.
  const stringLinks = { version: 0, nodes: [{ id: 'a', type: 'TestSink', links: 'x'.repeat(1_000_000) }] };
  const started = performance.now();
  assert.deepEqual(issuesOf(stringLinks).map((i) => i.code), ['E_GRAPH_FORMAT']);
  assert.ok(performance.now() - started < 1_000, 'answered quickly');
});

test('a long cycle gives at most 100 short issues and a count of the rest; over 5,000 nodes is refused (issue 23, item 4)', () => {
  const ring = (n: number) => graph({
    ...Object.fromEntries(Array.from({ length: n }, (_, i) => [
      `n${i}`, { type: 'TestAdd', inputs: { a: link(`n${(i + 1) % n}`, 'sum') } },
    ])),
    out: sink('n0'),
  });
  const started = performance.now();
  let error: GraphValidationError | undefined;
  try {
    loadGraph(ring(3000), registry);
  } catch (err) {
    error = err as GraphValidationError;
  }
  assert.ok(error instanceof GraphValidationError);
  assert.equal(error.issues.length, 100);
  assert.equal(error.omitted, 2900);
  assert.ok(error.issues.every((i) => i.code === 'E_CYCLE' && i.message.length < 300), error.issues[0].message);
  assert.ok(error.message.length < 40_000 && /and 2900 more issues/.test(error.message));
  assert.ok(performance.now() - started < 2_000, `${performance.now() - started} ms`);
  assert.deepEqual(issuesOf(ring(6000)).map((i) => i.code), ['E_GRAPH_FORMAT']);
});
