/**
 * Library subgraphs (`lib/NAME`, engine/subgraph/library.ts and resolver.ts) treated as hostile input: the type
 * name never leaves its folder, symbolic links out are refused, FIFOs and oversized files are refused without
 * blocking or reading them whole, content pins are checked, a library file using itself is E_CYCLE, the per-graph
 * file budget holds; and a library subgraph is described like a node type.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeSubgraph, Engine, GraphValidationError, listLibrary, loadGraph, type GraphIssue } from '../../engine';
import { MAX_LIBRARY_FILES } from '../../engine/subgraph/names';
import { scratchDir } from '../helpers/scratch';
import { graph, link, testRegistry } from '../helpers/test-nodes';

const registry = testRegistry();
const root = scratchDir('sglib');
const lib = join(root, 'lib');
const second = join(root, 'second');
mkdirSync(lib);
mkdirSync(second);

const ADD2 = {
  format: 'cones-graph', version: 1,
  meta: { title: 'add two', description: 'x + 1 + y' },
  interface: {
    version: 3,
    inputs: { x: { node: 'first', input: 'a' }, y: { node: 'second', input: 'b' } },
    outputs: { sum: { node: 'second', output: 'sum' } },
  },
  nodes: {
    first: { type: 'TestAdd', inputs: { b: 1 } },
    second: { type: 'TestAdd', inputs: { a: link('first', 'sum'), b: 2 } },
  },
};
writeFileSync(join(lib, 'add2.json'), JSON.stringify(ADD2, null, 2));
const ADD2_SHA = createHash('sha256').update(readFileSync(join(lib, 'add2.json'))).digest('hex');

const use = (type: string, extra: Record<string, unknown> = {}, entry: Record<string, unknown> = {}) => graph({
  s: { type, inputs: { x: 1 }, ...entry },
  out: { type: 'TestSink', inputs: { value: link('s', 'sum') } },
}, extra);

function issuesOf(source: unknown, libraries: readonly string[] = [lib]): GraphIssue[] {
  try {
    loadGraph(source, registry, undefined, [], { libraries });
  } catch (err) {
    assert.ok(err instanceof GraphValidationError, `expected a GraphValidationError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected the graph to be refused');
}

test('lib/NAME runs from a library folder; the first folder holding NAME wins', async () => {
  const r = await new Engine(registry).run(use('lib/add2'), { libraries: [lib] });
  assert.equal(r.outputs.out.value, 1 + 1 + 2);
  writeFileSync(join(second, 'add2.json'), JSON.stringify({ ...ADD2, nodes: { ...ADD2.nodes, first: { type: 'TestAdd', inputs: { b: 100 } } } }));
  const shadowed = await new Engine(registry).run(use('lib/add2'), { libraries: [second, lib] });
  assert.equal(shadowed.outputs.out.value, 1 + 100 + 2);
});

test('without a library folder, or with NAME in none, lib/NAME is E_UNKNOWN_NODE_TYPE naming the folders searched', () => {
  assert.equal(issuesOf(use('lib/add2'), [])[0].code, 'E_UNKNOWN_NODE_TYPE');
  const missing = issuesOf(use('lib/nothing-here'));
  assert.equal(missing[0].code, 'E_UNKNOWN_NODE_TYPE');
  assert.ok(missing[0].hint?.includes(lib));
});

test('type names cannot leave the library folder: dots, slashes, empty and long names are E_SUBGRAPH_NAME', () => {
  writeFileSync(join(root, 'outside.json'), JSON.stringify(ADD2)); // would load if a path escape worked
  for (const type of ['lib/../outside', 'lib/../../etc/passwd', 'lib/sub/add2', 'lib/.add2', 'lib/', 'lib/add2.json', `lib/${'a'.repeat(101)}`, 'subgraph/..', 'lib/a\0b']) {
    const issues = issuesOf(use(type));
    assert.deepEqual(issues.map((i) => i.code), ['E_SUBGRAPH_NAME'], `${JSON.stringify(type)}: ${JSON.stringify(issues)}`);
    assert.equal(issues[0].nodeId, 's');
    assert.ok(issues[0].message.length < 400, 'a long hostile name is cut');
  }
});

test('a symbolic link leading out of the library folder is E_FILE_NOT_ALLOWED; one inside it is followed', async () => {
  symlinkSync(join(root, 'outside.json'), join(lib, 'escape.json'));
  const issues = issuesOf(use('lib/escape'));
  assert.deepEqual(issues.map((i) => i.code), ['E_FILE_NOT_ALLOWED']);
  assert.ok(!issues[0].message.includes(root), 'the outside path is not named');
  symlinkSync(join(lib, 'add2.json'), join(lib, 'alias.json'));
  const r = await new Engine(registry).run(use('lib/alias'), { libraries: [lib] });
  assert.equal(r.outputs.out.value, 4);
});

test('a FIFO is refused without blocking; a file over 16 MiB is refused without being read', () => {
  execFileSync('mkfifo', [join(lib, 'fifo.json')]);
  assert.deepEqual(issuesOf(use('lib/fifo')).map((i) => i.code), ['E_GRAPH_FILE']);
  writeFileSync(join(lib, 'huge.json'), '');
  truncateSync(join(lib, 'huge.json'), 16 * 2 ** 20 + 1); // sparse: no 16 MiB written
  const huge = issuesOf(use('lib/huge'));
  assert.deepEqual(huge.map((i) => i.code), ['E_GRAPH_FILE']);
  assert.match(huge[0].message, /at most 16777216 bytes/);
});

test('a broken library file: its own codes, with the library path, at the using node', () => {
  writeFileSync(join(lib, 'broken.json'), '{"format": "cones-graph", ');
  const broken = issuesOf(use('lib/broken'));
  assert.equal(broken[0].code, 'E_GRAPH_JSON');
  assert.equal(broken[0].nodeId, 's');
  assert.match(broken[0].message, /lib\/broken/);
  writeFileSync(join(lib, 'plain.json'), JSON.stringify({ format: 'cones-graph', version: 1, nodes: { a: { type: 'TestAdd' } } }));
  const plain = issuesOf(use('lib/plain'));
  assert.equal(plain[0].code, 'E_SUBGRAPH_INTERFACE', 'a graph without an interface cannot be used as a node');
});

test('content pins: sha256 on the node entry or in "requires"; a mismatch is E_SUBGRAPH_HASH; the right hash runs', async () => {
  const wrong = 'f'.repeat(64);
  const onEntry = issuesOf(use('lib/add2', {}, { sha256: wrong }));
  assert.deepEqual(onEntry.map((i) => i.code), ['E_SUBGRAPH_HASH']);
  assert.ok(onEntry[0].message.includes(ADD2_SHA), 'says what the file hashes to');
  const inTable = issuesOf(use('lib/add2', { requires: { 'lib/add2': { sha256: wrong } } }));
  assert.deepEqual(inTable.map((i) => i.code), ['E_SUBGRAPH_HASH']);
  const pinned = use('lib/add2', { requires: { 'lib/add2': { sha256: ADD2_SHA } } }, { sha256: ADD2_SHA });
  const r = await new Engine(registry).run(pinned, { libraries: [lib] });
  assert.equal(r.outputs.out.value, 4);
  // An embedded subgraph is in the file already: a pin on it is a format error, not silently ignored.
  const embedded = graph({
    s: { type: 'subgraph/a', sha256: ADD2_SHA } as never, out: { type: 'TestSink', inputs: { value: link('s', 'sum') } },
  }, { subgraphs: { a: ADD2 } });
  assert.ok(issuesOf(embedded).some((i) => i.code === 'E_GRAPH_FORMAT' && i.nodeId === 's'));
});

test('a library file using itself, or two using each other, is E_CYCLE with the chain', () => {
  const wrap = (inner: string) => JSON.stringify({
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: { x: { node: 'n', input: 'x' } }, outputs: { sum: { node: 'n', output: 'sum' } } },
    nodes: { n: { type: inner } },
  });
  writeFileSync(join(lib, 'self.json'), wrap('lib/self'));
  writeFileSync(join(lib, 'ping.json'), wrap('lib/pong'));
  writeFileSync(join(lib, 'pong.json'), wrap('lib/ping'));
  const self = issuesOf(use('lib/self')).find((i) => i.code === 'E_CYCLE');
  assert.match(self!.message, /lib\/self -> lib\/self/);
  const pair = issuesOf(use('lib/ping')).find((i) => i.code === 'E_CYCLE');
  assert.match(pair!.message, /lib\/ping -> lib\/pong -> lib\/ping/);
});

test('a library file embedding subgraphs of its own uses them; an embedded subgraph may use the library', async () => {
  writeFileSync(join(lib, 'wrapper.json'), JSON.stringify({
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: { x: { node: 'w', input: 'x' } }, outputs: { sum: { node: 'w', output: 'sum' } } },
    subgraphs: { inner: ADD2 },
    nodes: { w: { type: 'subgraph/inner', inputs: { y: 10 } } },
  }));
  const r = await new Engine(registry).run(use('lib/wrapper'), { libraries: [lib] });
  assert.equal(r.outputs.out.value, 1 + 1 + 10);
  const viaEmbedded = graph({ s: { type: 'subgraph/e', inputs: { x: 5 } }, out: { type: 'TestSink', inputs: { value: link('s', 'sum') } } }, {
    subgraphs: { e: { format: 'cones-graph', version: 1, interface: ADD2.interface, nodes: { first: { type: 'lib/add2' }, second: { type: 'lib/add2', inputs: { x: link('first', 'sum') } } } } },
  });
  const broken = issuesOf(viaEmbedded); // ADD2's interface names inner inputs that these lib nodes lack
  assert.ok(broken.some((i) => i.code === 'E_SUBGRAPH_INTERFACE'), JSON.stringify(broken));
});

test('library files read per graph are bounded', () => {
  const many = join(root, 'many');
  mkdirSync(many);
  const nodes: Record<string, { type: string }> = {};
  for (let i = 0; i <= MAX_LIBRARY_FILES; i++) {
    writeFileSync(join(many, `f${i}.json`), JSON.stringify(ADD2));
    nodes[`n${i}`] = { type: `lib/f${i}` };
  }
  const issues = issuesOf(graph(nodes), [many]);
  assert.ok(issues.some((i) => i.code === 'E_SUBGRAPH_LIMIT'), JSON.stringify(issues.slice(0, 3)));
});

test('a library subgraph is described like a node type: ports typed by the inner ports, defaults from the file', () => {
  const { description, issues } = describeSubgraph('lib/add2', registry, [lib]);
  assert.deepEqual(issues, []);
  assert.equal(description!.type, 'lib/add2');
  assert.equal(description!.version, 3);
  assert.equal(description!.description, 'x + 1 + y');
  const y = description!.inputs.find((i) => i.name === 'y')!;
  assert.equal(y.type, 'FLOAT');
  assert.equal(y.schema?.default, 2, 'the subgraph file\'s literal is the default');
  assert.equal(y.required, false);
  assert.equal(description!.inputs.find((i) => i.name === 'x')!.schema?.maximum, 1000, 'the inner schema');
  assert.deepEqual(description!.outputs, [{ name: 'sum', type: 'FLOAT', description: undefined }]);
  assert.ok(listLibrary([lib]).includes('lib/add2'));
  assert.ok(!listLibrary([lib]).some((t) => t.includes('.')), 'only names a graph could use are listed');
  assert.equal(describeSubgraph('lib/../outside', registry, [lib]).issues[0].code, 'E_SUBGRAPH_NAME');
});

test('the interface version is what the using node records: a newer one is E_NODE_VERSION', () => {
  const issues = issuesOf(use('lib/add2', {}, { version: 4 }));
  assert.deepEqual(issues.map((i) => i.code), ['E_NODE_VERSION']);
  assert.match(issues[0].message, /<= 3/);
});
