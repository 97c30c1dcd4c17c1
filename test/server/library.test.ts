/**
 * POST /api/lib/:name (issue 27): the editor's "Save to library" writes NAME.json into the server's first --lib
 * folder. Attack tests: names with dots, slashes and encoded traversal, oversized bodies, overwriting without
 * ?overwrite=1, a symbolic link planted in the folder, and a server without a library folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectWs, graphOf, startTestServer, tempDir, TERMINAL, type TestServer } from './helpers';

const greeting = (template = 'hello {a}') => ({
  format: 'cones-graph', version: 1,
  meta: { title: 'Greeting', category: 'text' },
  interface: { version: 1, inputs: { name: { node: 'who', input: 'value' } }, outputs: { text: { node: 'greet', output: 'text' } } },
  nodes: {
    who: { type: 'Text', version: 1, inputs: { value: 'world' } },
    greet: { type: 'TextTemplate', version: 1, inputs: { template, a: { from: 'who', output: 'text' } } },
  },
});

let t: TestServer;
let bare: TestServer;
let lib: string;
let outside: string;
before(async () => {
  const dir = tempDir();
  lib = join(dir, 'lib');
  outside = tempDir();
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(outside, 'target.json'), 'outside');
  symlinkSync(join(outside, 'target.json'), join(lib, 'planted.json'));
  t = await startTestServer(dir, { libraries: [lib] });
  bare = await startTestServer(tempDir());
});
after(async () => {
  await t.server.close();
  await bare.server.close();
});

const libFiles = () => readdirSync(lib).sort();

test('a subgraph is saved as NAME.json in the first --lib folder, listed in /api/nodes and runs as lib/NAME', async () => {
  const r = await t.api('/api/lib/greeting', { method: 'POST', json: greeting() });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.type, 'lib/greeting');
  assert.equal(r.body.overwritten, false);
  assert.deepEqual(r.body.description.inputs.map((i: any) => [i.name, i.type]), [['name', 'STRING']]);
  assert.deepEqual(JSON.parse(readFileSync(join(lib, 'greeting.json'), 'utf8')), greeting());
  const nodes = (await t.api('/api/nodes')).body.nodes;
  assert.equal(nodes.find((n: any) => n.type === 'lib/greeting')?.category, 'text', 'listed at once, category from the file');

  const ws = await connectWs(t.base, '?clientId=lib');
  after(() => ws.close());
  const graph = graphOf({
    hi: { type: 'lib/greeting', version: 1, inputs: { name: 'library' } },
    save: { type: 'SaveText', version: 1, inputs: { text: { from: 'hi', output: 'text' }, filename: 'hi.txt' } },
  });
  const run = await t.api('/api/runs', { method: 'POST', json: { graph, clientId: 'lib' } });
  assert.equal(run.status, 201, JSON.stringify(run.body));
  const end = await ws.waitFor((m) => TERMINAL.has(m.type) && m.runId === run.body.runId, 30_000);
  assert.equal(end.type, 'run_done', JSON.stringify(end));
  assert.equal(readFileSync(join(t.options.folders.outputs, run.body.runId, 'hi.txt'), 'utf8'), 'hello library');
});

test('an existing file is never replaced without ?overwrite=1', async () => {
  const refused = await t.api('/api/lib/greeting', { method: 'POST', json: greeting('bye {a}') });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'E_LIB_EXISTS');
  assert.match(readFileSync(join(lib, 'greeting.json'), 'utf8'), /hello \{a\}/, 'unchanged');
  const replaced = await t.api('/api/lib/greeting?overwrite=1', { method: 'POST', json: greeting('bye {a}') });
  assert.equal(replaced.status, 201);
  assert.equal(replaced.body.overwritten, true);
  assert.match(readFileSync(join(lib, 'greeting.json'), 'utf8'), /bye \{a\}/);
});

test('names with dots, slashes or encoded traversal are refused before any path is built', async () => {
  const before = libFiles();
  const cases: Array<[string, number, string]> = [
    ['a.b', 400, 'E_LIB_NAME'],
    ['..', 404, 'E_NOT_FOUND'], // the URL is normalised to /api/ by the client
    ['%2e%2e%2fescape', 400, 'E_LIB_NAME'],
    ['..%2F..%2Fescape', 400, 'E_LIB_NAME'],
    ['a%5Cb', 400, 'E_LIB_NAME'],
    ['%00x', 400, 'E_LIB_NAME'],
    ['-leading', 400, 'E_LIB_NAME'],
    ['x'.repeat(101), 400, 'E_LIB_NAME'],
    ['sub/escape', 404, 'E_NOT_FOUND'],
    ['%252e%252e', 400, 'E_LIB_NAME'],
  ];
  for (const [name, status, code] of cases) {
    const r = await t.api(`/api/lib/${name}?overwrite=1`, { method: 'POST', json: greeting() });
    assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, name);
  }
  assert.deepEqual(libFiles(), before, 'nothing written');
  assert.deepEqual(readdirSync(outside).sort(), ['target.json']);
});

test('oversized bodies and bodies that are not subgraphs are refused, nothing written', async () => {
  const before = libFiles();
  const big = { ...greeting(), meta: { title: 'big', description: 'x'.repeat(3 * 2 ** 20) } };
  const tooBig = await t.api('/api/lib/big', { method: 'POST', json: big });
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.body.error.code, 'E_PAYLOAD_TOO_LARGE');
  const huge = await t.api('/api/lib/huge', { method: 'POST', json: { ...big, meta: { description: 'x'.repeat(6 * 2 ** 20) } } });
  assert.equal(huge.status, 413, 'over the JSON body limit');
  for (const body of [[1, 2], { format: 'cones-graph', version: 1, nodes: {} }, { ...greeting(), interface: { version: 1, inputs: { x: { node: 'nope', input: 'value' } }, outputs: {} } }, { nodes: 'x' }]) {
    const r = await t.api('/api/lib/bad', { method: 'POST', json: body });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'E_LIB_INVALID');
  }
  assert.deepEqual(libFiles(), before, 'nothing written, no temp file left');
});

test('a symbolic link planted in the library folder is never written through', async () => {
  for (const query of ['', '?overwrite=1']) {
    const r = await t.api(`/api/lib/planted${query}`, { method: 'POST', json: greeting() });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'E_PATH_OUTSIDE_FOLDER');
    assert.doesNotMatch(JSON.stringify(r.body), new RegExp(outside.replaceAll('/', '\\/')), 'the outside path is not echoed');
  }
  assert.equal(readFileSync(join(outside, 'target.json'), 'utf8'), 'outside', 'the link target is untouched');
});

test('a server without a --lib folder refuses with E_LIB_NO_FOLDER (the install library is never written)', async () => {
  const r = await bare.api('/api/lib/greeting', { method: 'POST', json: greeting() });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'E_LIB_NO_FOLDER');
});
