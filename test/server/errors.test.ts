import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { startServer } from '../../server/index';
import { connectWs, graphOf, startTestServer, tempDir, testOptions, type TestServer } from './helpers';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.server.close();
});

/** A request exactly as written (fetch would normalise `..` segments and forbids a Host header). */
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text || 'null') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const code = (r: { body: any }) => r.body?.error?.code;

test('malformed or mistyped run submissions get coded 4xx errors and nothing is queued', async () => {
  const bad = await t.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"graph": ' });
  assert.deepEqual([bad.status, code(bad)], [400, 'E_BAD_JSON']);
  const text = await t.api('/api/runs', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.deepEqual([text.status, code(text)], [415, 'E_UNSUPPORTED_MEDIA_TYPE']);
  const chunked = await new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request(`${t.base}/api/runs`, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.write('{"graph":'); // no Content-Length: sent chunked
    req.end('{}}');
  });
  assert.deepEqual([chunked.status, code(chunked)], [415, 'E_UNSUPPORTED_MEDIA_TYPE'], 'a chunked text/plain body too');
  const noGraph = await t.api('/api/runs', { method: 'POST', json: { outputs: ['x'] } });
  assert.deepEqual([noGraph.status, code(noGraph)], [400, 'E_BAD_REQUEST']);

  const unknown = await t.api('/api/runs', {
    method: 'POST',
    json: { graph: graphOf({ n: { type: 'NoSuchNode', version: 1 }, s: { type: 'ShowText', version: 1, inputs: { text: 'hi' } } }) },
  });
  assert.deepEqual([unknown.status, code(unknown)], [400, 'E_GRAPH_INVALID']);
  assert.ok(unknown.body.error.issues.some((i: any) => i.code === 'E_UNKNOWN_NODE_TYPE' && i.nodeId === 'n'), JSON.stringify(unknown.body));
  const outside = await t.api('/api/runs', {
    method: 'POST', json: { graph: graphOf({ r: { type: 'TestReadText', version: 1, inputs: { path: '/etc/passwd' } } }) },
  });
  assert.deepEqual([outside.status, code(outside)], [403, 'E_PATH_OUTSIDE_FOLDER']);
  assert.deepEqual(outside.body.error.issues.map((i: any) => [i.nodeId, i.input]), [['r', 'path']]);
  const climb = await t.api('/api/runs', {
    method: 'POST', json: { graph: graphOf({ r: { type: 'TestReadText', version: 1, inputs: { path: '../../package.json' } } }) },
  });
  assert.equal(code(climb), 'E_PATH_OUTSIDE_FOLDER');
  const install = await t.api('/api/runs', {
    method: 'POST', json: { graph: graphOf({ r: { type: 'TestReadText', version: 1, inputs: { path: 'package.json' } } }) },
  });
  assert.equal(code(install), 'E_PATH_OUTSIDE_FOLDER', 'install files other than models/ are not readable');

  assert.deepEqual((await t.api('/api/queue')).body, { running: null, pending: [] });
  assert.deepEqual([(await t.api('/api/nope')).status, code(await t.api('/api/nope'))], [404, 'E_NOT_FOUND']);
  assert.equal(code(await t.api('/api/history?limit=-1')), 'E_BAD_REQUEST');
  assert.equal(code(await t.api('/api/history/unknown-run')), 'E_RUN_NOT_FOUND');
  assert.equal(code(await t.api('/api/graphs/..%2fpackage')), 'E_NOT_FOUND');
});

test('file access stays inside the configured folders', async () => {
  const cases: Array<[string, number, string]> = [
    ['/api/files/outputs/..%2f..%2fpackage.json', 403, 'E_PATH_OUTSIDE_FOLDER'],
    ['/api/files/outputs/../../package.json', 403, 'E_PATH_OUTSIDE_FOLDER'],
    ['/api/files/outputs/%2fetc%2fpasswd', 403, 'E_PATH_OUTSIDE_FOLDER'],
    ['/api/files/outputs/..%5c..%5cpackage.json', 403, 'E_PATH_OUTSIDE_FOLDER'],
    ['/api/files/outputs/a%00b', 400, 'E_PATH_INVALID'],
    ['/api/files/outputs/%E0%A4%A', 400, 'E_PATH_INVALID'],
    ['/api/files/graphs/hello-text.json', 404, 'E_UNKNOWN_FOLDER'],
    ['/api/files/inputs/missing.txt', 404, 'E_NOT_FOUND'],
  ];
  for (const [path, status, c] of cases) {
    const res = await raw(t.base, path);
    assert.deepEqual([res.status, code(res)], [status, c], `${path}: ${JSON.stringify(res.body)}`);
  }
  const outsideDir = join(tempDir(), 'secret');
  mkdirSync(outsideDir);
  symlinkSync(outsideDir, join(t.options.folders.inputs, 'link'));
  const viaLink = await raw(t.base, '/api/files/inputs/link/anything.txt');
  assert.deepEqual([viaLink.status, code(viaLink)], [403, 'E_PATH_OUTSIDE_FOLDER']);
});

test('uploads: checked extension, content type and bytes, never overwriting; an uploaded input is usable by a run', async () => {
  const up = (folder: string, filename: string, body: Uint8Array | string, type = 'application/octet-stream') =>
    t.api(`/api/upload/${folder}?filename=${encodeURIComponent(filename)}`, { method: 'POST', headers: { 'content-type': type }, body });
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(16)]);
  assert.equal(code(await up('residuals', 'evil.exe', png)), 'E_UPLOAD_EXTENSION');
  assert.equal(code(await up('layouts', 'fake.png', 'not a png at all')), 'E_UPLOAD_CONTENT');
  assert.equal(code(await up('layouts', '../x.png', png)), 'E_UPLOAD_FILENAME');
  assert.equal(code(await up('layouts', 'x.png', png, 'text/html')), 'E_UNSUPPORTED_MEDIA_TYPE');
  assert.equal(code(await up('outputs', 'x.png', png)), 'E_FOLDER_READ_ONLY');
  const tooBig = await up('inputs', 'big.txt', Buffer.alloc(50 * 1024 * 1024 + 1, 0x61), 'text/plain');
  assert.deepEqual([tooBig.status, code(tooBig)], [413, 'E_PAYLOAD_TOO_LARGE']);

  const first = await up('layouts', 'two.png', png, 'image/png');
  const second = await up('layouts', 'two.png', png);
  assert.deepEqual([first.status, first.body.name, first.body.renamed], [201, 'two.png', false]);
  assert.deepEqual([second.status, second.body.name, second.body.renamed], [201, 'two-1.png', true]);
  const fetched = await fetch(t.base + second.body.url);
  assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), png);

  const header = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const st = await up('residuals', 'cat.safetensors', Buffer.concat([len, header, Buffer.alloc(4)]));
  assert.deepEqual([st.status, st.body.url], [201, '/api/files/residuals/cat.safetensors']);

  const note = await up('inputs', 'note.txt', 'hello from an upload', 'text/plain');
  const ws = await connectWs(t.base);
  const run = await t.api('/api/runs', {
    method: 'POST', json: { graph: graphOf({ r: { type: 'TestReadText', version: 1, inputs: { path: note.body.name } } }) },
  });
  assert.equal(run.status, 201, JSON.stringify(run.body));
  const done = await ws.waitFor((m) => m.runId === run.body.runId && m.type === 'node_done');
  assert.deepEqual(done.ui, { text: 'hello from an upload' });
  ws.close();
});

test('output files are served under /api/files/outputs/<runId>/ and history links to them', async () => {
  const ws = await connectWs(t.base);
  const graph = graphOf({
    t: { type: 'Text', version: 1, inputs: { value: 'saved words' } },
    s: { type: 'SaveText', version: 1, inputs: { text: { from: 't', output: 'text' }, filename: 'w.txt' } },
  });
  const run = await t.api('/api/runs', { method: 'POST', json: { graph } });
  assert.equal(run.status, 201, JSON.stringify(run.body));
  await ws.waitFor((m) => m.runId === run.body.runId && m.type === 'run_done');
  const hist = (await t.api(`/api/history/${run.body.runId}`)).body;
  const url = `/api/files/outputs/${run.body.runId}/w.txt`;
  assert.deepEqual(hist.files, [url]);
  assert.deepEqual(hist.ui.s.files, [url]);
  const res = await fetch(t.base + url);
  assert.equal(await res.text(), 'saved words');
  assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
  ws.close();
});

test('without a token, only loopback Host and Origin are accepted (DNS rebinding, cross-site pages)', async () => {
  const host = await raw(t.base, '/api/health', { host: 'evil.example:80' });
  assert.deepEqual([host.status, code(host)], [403, 'E_FORBIDDEN_ORIGIN']);
  const origin = await raw(t.base, '/api/health', { origin: 'https://evil.example' });
  assert.deepEqual([origin.status, code(origin)], [403, 'E_FORBIDDEN_ORIGIN']);
  assert.equal((await raw(t.base, '/api/health', { origin: t.base })).status, 200);
  const refused = await wsStatus(`${t.base.replace('http', 'ws')}/ws`, { origin: 'https://evil.example' });
  assert.equal(refused, 403);
});

test('a token, when set, is required on every REST call and on the websocket upgrade', async () => {
  const token = 'a-long-enough-test-token';
  const server = await startServer(testOptions(tempDir(), { token }));
  try {
    const no = await fetch(`${server.url}/api/health`);
    assert.equal(no.status, 401);
    assert.equal(((await no.json()) as any).error.code, 'E_UNAUTHORIZED');
    assert.equal((await fetch(`${server.url}/api/health`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
    assert.equal((await fetch(`${server.url}/api/health`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await fetch(`${server.url}/api/nodes?token=${token}`)).status, 200);
    const wsUrl = `${server.url.replace('http', 'ws')}/ws`;
    assert.equal(await wsStatus(wsUrl), 401);
    assert.equal(await wsStatus(`${wsUrl}?token=${token}`), 101);
  } finally {
    await server.close();
  }
});

test('binding to a non-loopback address without a token refuses to start', async () => {
  await assert.rejects(startServer(testOptions(tempDir(), { host: '0.0.0.0' })), (err: any) => err.code === 'E_TOKEN_REQUIRED');
  await assert.rejects(startServer(testOptions(tempDir(), { token: 'short' })), (err: any) => err.code === 'E_BAD_OPTIONS');
  await assert.rejects(
    startServer(testOptions(tempDir(), { registryModules: ['/no/such/module.ts'] })),
    (err: any) => err.code === 'E_PLUGIN_LOAD',
  );
});

/** 101 when the upgrade succeeds, else the HTTP status the server refused it with. */
function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
    ws.on('error', (err) => reject(err));
  });
}

test('prototype names in the editor\'s /vendor/ route are plain 404s, never a 500 (issue 23, item 6)', async () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const r = await t.api(`/vendor/${name}`);
    assert.equal(r.status, 404, name);
  }
  assert.equal((await t.api('/vendor/litegraph.js')).status, 200);
});

test('errors reaching clients carry an E_ code and name no absolute server path (issue 23, item 9)', async () => {
  const ws = await connectWs(t.base);
  const res = await t.api('/api/runs', { method: 'POST', json: { graph: graphOf({ r: { type: 'TestReadText', version: 1, inputs: { path: 'missing.txt' } } }) } });
  assert.equal(res.status, 201);
  const event = await ws.waitFor((m) => m.runId === res.body.runId && m.type === 'run_error');
  ws.close();
  let entry: any;
  for (let i = 0; i < 100 && !entry?.error; i++) {
    entry = (await t.api(`/api/history/${res.body.runId}`)).body;
    if (!entry?.error) await new Promise((r) => setTimeout(r, 20));
  }
  for (const answer of [event, entry.error]) {
    assert.match(answer.code, /^E_[A-Z_]+$/);
    assert.ok(!JSON.stringify(answer).includes(t.dir), JSON.stringify(answer));
    assert.match(answer.message, /<inputs>\/missing\.txt/);
  }
});
