/**
 * Subgraph node types through the server (issue 27): /api/nodes lists the library subgraphs with their typed ports,
 * POST /api/runs validates and queues graphs using them (the server's --lib folders, then the install's graphs/lib),
 * and the worker thread runs them. A library name or file that tries to leave its folder is refused before queueing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectWs, graphOf, REPO_ROOT, startTestServer, tempDir, TERMINAL, type TestServer } from './helpers';

const greeting = {
  format: 'cones-graph', version: 1,
  interface: {
    version: 1,
    inputs: { name: { node: 'who', input: 'value' } },
    outputs: { text: { node: 'greet', output: 'text' } },
  },
  nodes: {
    who: { type: 'Text', version: 1, inputs: { value: 'world' } },
    greet: { type: 'TextTemplate', version: 1, inputs: { template: 'hello {a}', a: { from: 'who', output: 'text' } } },
  },
};

let t: TestServer;
let outside: string;
before(async () => {
  const dir = tempDir();
  const lib = join(dir, 'lib');
  outside = tempDir();
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(lib, 'greeting.json'), JSON.stringify(greeting));
  writeFileSync(join(outside, 'secret.json'), JSON.stringify(greeting));
  symlinkSync(join(outside, 'secret.json'), join(lib, 'escape.json'));
  t = await startTestServer(dir, { libraries: [lib] });
});
after(async () => {
  await t.server.close();
});

test('/api/nodes lists library subgraphs, the server\'s --lib folder and the shipped graphs/lib, with typed ports', async () => {
  const { body } = await t.api('/api/nodes');
  const byType = new Map<string, any>(body.nodes.map((n: any) => [n.type, n]));
  const greetingType = byType.get('lib/greeting');
  assert.deepEqual(greetingType.inputs.map((i: any) => i.name), ['name']);
  assert.deepEqual(greetingType.outputs.map((o: any) => [o.name, o.type]), [['text', 'STRING']]);
  const two = byType.get('lib/two-subjects');
  assert.ok(two, 'the install library is listed');
  assert.deepEqual(two.inputs.map((i: any) => i.name).sort(), ['boxes', 'model', 'prompt', 'seed', 'steps']);
  assert.deepEqual(two.outputs.map((o: any) => [o.name, o.type]), [['image', 'IMAGE'], ['latent', 'LATENT']]);
  assert.ok(!byType.has('lib/escape'), 'a library file linked from outside its folder is not described');
});

test('a graph using a library subgraph is queued and runs in the worker thread, its inner nodes as INSTANCE/INNER', async () => {
  const ws = await connectWs(t.base, '?clientId=subgraphs');
  after(() => ws.close());
  const graph = graphOf({
    hi: { type: 'lib/greeting', version: 1, inputs: { name: 'subgraphs' } },
    save: { type: 'SaveText', version: 1, inputs: { text: { from: 'hi', output: 'text' }, filename: 'hi.txt' } },
  });
  const r = await t.api('/api/runs', { method: 'POST', json: { graph, clientId: 'subgraphs' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const end = await ws.waitFor((m) => TERMINAL.has(m.type) && m.runId === r.body.runId, 30_000);
  assert.equal(end.type, 'run_done', JSON.stringify(end));
  const executed = ws.messages.filter((m) => m.type === 'node_done' && m.runId === r.body.runId).map((m) => m.nodeId);
  assert.ok(executed.includes('hi/greet'), `inner nodes run as hi/greet: ${JSON.stringify(executed)}`);
  const saved = join(t.options.folders.outputs, r.body.runId, 'hi.txt');
  assert.equal(readFileSync(saved, 'utf8'), 'hello subgraphs');
});

test('library names and files that leave their folder are refused before queueing', async () => {
  for (const [type, code] of [['lib/../secret', 'E_SUBGRAPH_NAME'], ['lib/escape', 'E_FILE_NOT_ALLOWED'], ['lib/absent', 'E_UNKNOWN_NODE_TYPE']]) {
    const graph = graphOf({
      hi: { type, version: 1, inputs: {} },
      save: { type: 'SaveText', version: 1, inputs: { text: { from: 'hi', output: 'text' }, filename: 'hi.txt' } },
    });
    const r = await t.api('/api/runs', { method: 'POST', json: { graph } });
    assert.equal(r.status, 400, `${type}: ${JSON.stringify(r.body)}`);
    assert.ok(r.body.error.issues.some((i: any) => i.code === code), `${type}: ${JSON.stringify(r.body.error.issues)}`);
    assert.doesNotMatch(JSON.stringify(r.body), new RegExp(outside.replaceAll('/', '\\/')), 'the outside path is not echoed');
  }
  assert.deepEqual((await t.api('/api/queue')).body, { running: null, pending: [] }, 'nothing queued');
});

test('the example graph with two instances of lib/two-subjects validates on the server', async () => {
  const graph = JSON.parse(readFileSync(join(REPO_ROOT, 'graphs/subgraph-two-subjects.json'), 'utf8'));
  // Only validation here (the model runs are covered by test/graphs): an unknown output id makes it stop after.
  const r = await t.api('/api/runs', { method: 'POST', json: { graph, outputs: ['nope'] } });
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.error.issues.map((i: any) => i.code), ['E_NO_OUTPUT']);
});
