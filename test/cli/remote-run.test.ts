/**
 * `cones run --server` / `cones validate --server` (issues 25, 26): against the real server (startTestServer), and
 * against small hostile servers written here (node:http + ws) for what a client must survive: path names that
 * try to leave --out, endless downloads, silence, nonsense, a websocket that drops.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { scratchDir } from '../helpers/scratch';
import { startTestServer, type TestServer } from '../server/helpers';
import { conesChild, interruptOnFirstProgress, ndjson, ROOT, type ConesOptions, type Result } from './remote-helpers';

const HELLO = join(ROOT, 'graphs', 'hello-text.json');
const TEST_NODES = join(ROOT, 'test', 'fixtures', 'plugins', 'test-nodes.ts');
const SERVER_NODES = join(ROOT, 'test', 'server', 'server-test-nodes.ts');
const TOKEN = 'remote-run-test-token-0123456789';
const tmp = scratchDir('remote-run');

/** The CLI as a child process, in this file's scratch folder. */
const cones = (args: string[], opts: Omit<ConesOptions, 'cwd'> = {}): Promise<Result> => conesChild(args, { cwd: tmp, ...opts });

function writeGraph(name: string, nodes: Record<string, unknown>): string {
  const p = join(tmp, name);
  writeFileSync(p, JSON.stringify({ format: 'cones-graph', version: 1, nodes }));
  return p;
}

const noStack = (r: Result) => assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
const outDir = (name: string) => join(tmp, name);

let t: TestServer;
before(async () => {
  t = await startTestServer(undefined, { interruptGraceMs: 500 });
});
after(async () => {
  await t.server.close();
});

// ---------------------------------------------------------------------------------------------------------------
// Against the real server

test('a remote run prints the local run\'s lines and its file lands in --out with the local run\'s content', async () => {
  const set = ['--set', 'subject.value=a remote green star'];
  const local = await cones(['run', HELLO, '--out', outDir('local'), ...set]);
  const remote = await cones(['run', '--server', t.base, HELLO, '--out', outDir('remote'), ...set]);
  assert.equal(local.code, 0, local.stderr);
  assert.equal(remote.code, 0, remote.stderr);
  const content = readFileSync(join(outDir('local'), 'prompt.txt'), 'utf8');
  assert.equal(content, 'a remote green star and a blue square', '--set reached the graph');
  assert.equal(readFileSync(join(outDir('remote'), 'prompt.txt'), 'utf8'), content);
  // The same progress lines, timings and the output folder aside (plus one line saying where it was queued).
  const shape = (r: Result, out: string) => r.stderr.split('\n').filter((l) => !l.startsWith('Queued on '))
    .map((l) => l.split(out).join('OUT').replace(/\d+ ms/g, 'N ms').replace(/Done in [\d.]+ s/, 'Done in N s')).join('\n');
  assert.match(remote.stderr, new RegExp(`^Queued on ${t.base} as run [0-9a-f-]{36} \\(0 run\\(s\\) ahead\\)\\.$`, 'm'));
  assert.equal(shape(remote, outDir('remote')), shape(local, outDir('local')));
  assert.match(shape(remote, outDir('remote')), /\[3\/3\] save \(SaveText\) N ms -> OUT\/prompt\.txt/);
});

test('--json prints the local NDJSON shapes, with the downloaded paths; an existing file is never overwritten', async () => {
  const out = outDir('json');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'prompt.txt'), 'mine');
  const r = await cones(['run', HELLO, '--json', '--out', out], { env: { CONES_SERVER: t.base } });
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  assert.equal(events[0].type, 'run_start');
  assert.equal(events.at(-1)!.type, 'run_done');
  assert.ok(events.every((e) => typeof e.runId === 'string' && !('seq' in e)), 'local event shape: runId, no seq');
  const save = events.find((e) => e.nodeId === 'save' && (e.type === 'node_done' || e.type === 'node_cached'))!;
  assert.deepEqual(save.ui.files, [join(out, 'prompt-1.txt')]);
  assert.equal(readFileSync(join(out, 'prompt.txt'), 'utf8'), 'mine', 'the existing file is untouched');
  assert.equal(readFileSync(join(out, 'prompt-1.txt'), 'utf8'), 'a red circle and a blue square');
});

test('--set reaches nodes inside subgraphs on the server too (the expanded graph is sent)', async () => {
  const greet = {
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: { name: { node: 'tpl', input: 'a' } }, outputs: { text: { node: 'tpl', output: 'text' } } },
    nodes: { tpl: { type: 'TextTemplate', version: 1, inputs: { template: 'hello {a}', a: 'world' } } },
  };
  const p = join(tmp, 'subgraph.json');
  writeFileSync(p, JSON.stringify({
    format: 'cones-graph', version: 1, subgraphs: { greet },
    nodes: {
      one: { type: 'subgraph/greet', version: 1, inputs: { name: 'ada' } },
      save: { type: 'SaveText', version: 1, inputs: { text: { from: 'one', output: 'text' }, filename: 'greeting.txt' } },
    },
  }));
  const inner = await cones(['run', '--server', t.base, p, '--set', 'one/tpl.template=bye {a}', '--set', 'one.name=grace', '--out', outDir('sg')]);
  assert.equal(inner.code, 0, inner.stderr);
  assert.equal(readFileSync(join(outDir('sg'), 'greeting.txt'), 'utf8'), 'bye grace');
});

test('a graph the server refuses exits 2 with the server\'s issue codes; validate --server prints them too', async () => {
  const residual = writeGraph('missing-residual.json', {
    residual: { type: 'LoadResidual', version: 1, inputs: { path: 'missing.safetensors' } },
    sink: { type: 'TestResidualSink', version: 1, inputs: { residual: { from: 'residual', output: 'residual' } } },
  });
  const r = await cones(['run', '--server', t.base, residual, '--plugin', SERVER_NODES, '--out', outDir('refused')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^E_GRAPH_INVALID: The graph has 1 problem\(s\); nothing was queued\./m);
  assert.match(r.stderr, /^E_RESIDUAL_NOT_FOUND at node "residual" \(LoadResidual\) input "path": /m);
  assert.ok(!r.stderr.includes(t.dir), 'no server folder in the messages');
  const json = await cones(['run', '--server', t.base, residual, '--plugin', SERVER_NODES, '--json']);
  assert.equal(json.code, 2);
  const [event] = ndjson(json.stdout);
  assert.deepEqual([event.type, event.code, event.issues.map((i: any) => i.code)], ['run_error', 'E_GRAPH_INVALID', ['E_RESIDUAL_NOT_FOUND']]);

  const escape = writeGraph('escape.json', { read: { type: 'TestReadText', version: 1, inputs: { path: '/etc/passwd' } } });
  const e = await cones(['run', '--server', t.base, escape, '--plugin', SERVER_NODES]);
  assert.equal(e.code, 2, e.stderr);
  assert.match(e.stderr, /^E_PATH_OUTSIDE_FOLDER at node "read" \(TestReadText\) input "path"/m);
  assert.doesNotMatch(e.stderr, /root:x:/);

  const v = await cones(['validate', '--server', t.base, residual, HELLO]);
  assert.equal(v.code, 2, v.stderr);
  assert.match(v.stdout, new RegExp(`^${residual}: E_RESIDUAL_NOT_FOUND at node "residual"`, 'm'));
  assert.match(v.stdout, new RegExp(`^${HELLO}: ok, structure and files, checked by ${t.base}$`, 'm'));
  const vj = await cones(['validate', '--server', t.base, '--json', HELLO]);
  assert.equal(vj.code, 0, vj.stderr);
  assert.deepEqual(ndjson(vj.stdout)[0], { file: HELLO, ok: true, issues: [], files: true, server: t.base });
  assert.deepEqual((await t.api('/api/queue')).body, { running: null, pending: [] }, 'nothing was queued');
});

test('a graph invalid here is refused before anything is sent (exit 2, local codes)', async () => {
  const before = (await t.api('/api/history')).body.runs.length;
  const bad = writeGraph('unknown-type.json', { a: { type: 'NoSuchNode', version: 1 } });
  const r = await cones(['run', '--server', t.base, bad]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /E_UNKNOWN_NODE_TYPE at node "a"/);
  assert.doesNotMatch(r.stderr, /Queued on/);
  assert.equal((await t.api('/api/history')).body.runs.length, before);
  const usage = await cones(['run', '--server', t.base, HELLO, '--confine', '.']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^E_USAGE: Expected no --confine with --server/m);
});

test('a node failing on the server exits 3 with its code and node', async () => {
  const failing = writeGraph('fail.json', {
    fail: { type: 'TestFail', version: 1, inputs: { value: 1 } },
    sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'fail', output: 'value' } } },
  });
  const r = await cones(['run', '--server', t.base, failing, '--plugin', TEST_NODES, '--json']);
  assert.equal(r.code, 3, r.stderr);
  const last = ndjson(r.stdout).at(-1)!;
  assert.deepEqual([last.type, last.code, last.nodeId], ['run_error', 'E_TEST_FAILURE', 'fail']);
  noStack(r);
});

test('SIGINT interrupts the CLI\'s own run on the server: recorded interrupted, exit 130', async () => {
  const slow = writeGraph('slow.json', {
    slow: { type: 'TestSlow', version: 1, inputs: { steps: 1000, value: 1 } },
    sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'slow', output: 'value' } } },
  });
  const interrupt = interruptOnFirstProgress();
  const r = await cones(['run', '--server', t.base, slow, '--plugin', TEST_NODES, '--json'], { onStdout: interrupt.onStdout });
  assert.ok(interrupt.sentAt(), 'saw progress before interrupting');
  assert.equal(r.code, 130, r.stderr);
  const events = ndjson(r.stdout);
  const runId = events[0].runId;
  assert.equal(events.at(-1)!.type, 'interrupted');
  const entry = (await t.api(`/api/history/${runId}`)).body;
  assert.equal(entry.status, 'interrupted', JSON.stringify(entry));
  assert.equal(entry.interrupted.reason, 'user');
  assert.ok(events.filter((e) => e.type === 'progress').length < 1000);
});

test('a token-protected server: refused without the token (the server\'s error verbatim), run with it', async () => {
  const guarded = await startTestServer(undefined, { token: TOKEN });
  try {
    const without = await cones(['run', '--server', guarded.base, HELLO, '--out', outDir('no-token')]);
    assert.equal(without.code, 2, without.stderr);
    assert.match(without.stderr, /^E_UNAUTHORIZED: Expected a valid token but the request carried none or a wrong one\. Send `Authorization: Bearer <token>`/m);
    assert.equal(existsSync(outDir('no-token')), false);
    const wrong = await cones(['run', '--server', guarded.base, '--token', `${TOKEN}x`, HELLO]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^E_UNAUTHORIZED/m);
    const ok = await cones(['run', '--server', guarded.base, '--token', TOKEN, HELLO, '--out', outDir('token')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(readFileSync(join(outDir('token'), 'prompt.txt'), 'utf8'), 'a red circle and a blue square');
    const byEnv = await cones(['validate', HELLO], { env: { CONES_SERVER: guarded.base, CONES_TOKEN: TOKEN } });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.match(byEnv.stdout, /checked by/);
    assert.ok(!(without.stderr + ok.stderr + ok.stdout).includes(TOKEN), 'the token is never printed');
  } finally {
    await guarded.server.close();
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Against hostile servers

interface Fake { base: string; requests: string[]; bodies: string[]; close(): Promise<void> }

/** A small HTTP + websocket server answering as the test says. */
async function fakeServer(
  onHttp: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  onWs: (ws: WebSocket, req: IncomingMessage) => void = (ws) => ws.close(),
): Promise<Fake> {
  const requests: string[] = [];
  const bodies: string[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      bodies.push(body);
      onHttp(req, res, body);
    });
  });
  server.on('upgrade', (req, socket, head) => {
    requests.push(`WS ${req.url}`);
    bodies.push('');
    wss.handleUpgrade(req, socket, head, (ws) => onWs(ws, req));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`, requests, bodies,
    close: () => new Promise((r) => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A run `r1` whose node_done names `files`; history has them too; files are served by `serveFile`. */
function runServer(files: string[], serveFile: (url: string, res: ServerResponse) => void, extra: { wsEvents?: unknown[] } = {}) {
  return fakeServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/runs') return json(res, 201, { runId: 'r1', position: 0 });
    if (req.url === '/api/history/r1') return json(res, 200, { runId: 'r1', status: 'ok', ms: 1, executed: ['save'], cached: [], ui: {}, files });
    if (req.url?.startsWith('/api/files/')) return serveFile(req.url, res);
    json(res, 404, { error: { code: 'E_NOT_FOUND', message: 'no' } });
  }, (ws) => {
    const events = extra.wsEvents ?? [
      { type: 'run_start', runId: 'r1', nodes: ['save'], targets: ['save'], seq: 0 },
      { type: 'node_done', runId: 'r1', nodeId: 'save', nodeType: 'Save\u001b]0;owned\u0007Text\u001b[2J', ms: 1, outputs: {}, ui: { files }, seq: 1 },
      { type: 'run_done', runId: 'r1', ms: 2, executed: ['save'], cached: [], seq: 2 },
    ];
    ws.once('message', () => { for (const e of events) ws.send(JSON.stringify(e)); });
  });
}

test('hostile output names land inside --out under plain names, never over an existing file', async () => {
  const marker = `abs-escape-${process.pid}-${Date.now()}.txt`;
  const files = [
    '/api/files/outputs/r1/..%2F..%2Fescape.txt', `/api/files/outputs/r1/%2Ftmp%2F${marker}`, '/api/files/outputs/r1/..%5C..%5Cwin.txt',
    '/api/files/outputs/r1/%2E%2E', '/api/files/outputs/r1/keep.txt', '/api/files/outputs/r1/%1B%5B2Jansi.txt',
  ];
  const fake = await runServer(files, (url, res) => res.end(`bytes of ${url}`));
  try {
    const out = join(tmp, 'deep', 'er', 'out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = await cones(['run', '--server', fake.base, HELLO, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['_[2Jansi.txt', 'escape.txt', 'keep-1.txt', 'keep.txt', marker, 'output', 'win.txt'].sort());
    assert.equal(readFileSync(join(out, 'keep.txt'), 'utf8'), 'mine');
    assert.equal(readFileSync(join(out, 'keep-1.txt'), 'utf8'), 'bytes of /api/files/outputs/r1/keep.txt');
    for (const outside of [join(tmp, 'deep', 'escape.txt'), join(tmp, 'deep', 'er', 'escape.txt'), join(tmp, 'escape.txt'), join(tmpdir(), marker)]) {
      assert.equal(existsSync(outside), false, outside);
    }
    assert.ok(!r.stderr.includes('\x1b'), 'no escape sequence from the server reaches the terminal');
  } finally {
    await fake.close();
  }
});

test('an endless download is cut at the per-file bound (E_DOWNLOAD_TOO_LARGE, exit 3, partial file removed)', async () => {
  const fake = await runServer(['/api/files/outputs/r1/endless.bin'], (_url, res) => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = () => { while (!res.destroyed && res.write(chunk)) { /* until the socket pushes back */ } };
    res.on('drain', pump);
    res.on('close', () => res.off('drain', pump));
    pump();
  });
  const declared = await runServer(['/api/files/outputs/r1/huge.bin'], (_url, res) => {
    res.writeHead(200, { 'content-length': String(50 * 2 ** 30) });
    res.write(Buffer.alloc(1024));
  });
  try {
    const env = { CONES_SERVER_MAX_FILE_BYTES: String(2 ** 20) };
    const r = await cones(['run', '--server', fake.base, HELLO, '--out', outDir('endless')], { env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^E_DOWNLOAD_TOO_LARGE: Expected output files of at most 1048576 bytes per file/m);
    assert.deepEqual(readdirSync(outDir('endless')), [], 'the partial file is removed');
    const d = await cones(['run', '--server', declared.base, HELLO, '--out', outDir('declared')], { env: { CONES_SERVER_MAX_TOTAL_BYTES: '4096' } });
    assert.equal(d.code, 3, d.stderr);
    assert.match(d.stderr, /^E_DOWNLOAD_TOO_LARGE: .*4096 bytes for all files/m);
    assert.equal(existsSync(join(outDir('declared'), 'huge.bin')), false);
  } finally {
    await fake.close();
    await declared.close();
  }
});

test('a server that accepts connections and never answers gives E_SERVER_TIMEOUT within the bound (exit 2)', async () => {
  const held: Socket[] = [];
  const silent = createTcpServer((socket) => held.push(socket));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const { port } = silent.address() as { port: number };
  await new Promise<void>((r) => silent.close(() => r()));
  // Nothing listening yet: unreachable, at once (and how long the command takes to start and give up).
  const refused = await cones(['run', '--server', `http://127.0.0.1:${port}`, HELLO]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /^E_SERVER_UNREACHABLE: Expected the server at http:\/\/127\.0\.0\.1:\d+ to accept a connection but the connection failed \(ECONNREFUSED\)/m);
  await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
  try {
    const r = await cones(['run', '--server', `http://127.0.0.1:${port}`, HELLO], { env: { CONES_SERVER_TIMEOUT_MS: '1500' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^E_SERVER_TIMEOUT: Expected an answer to api\/runs from http:\/\/127\.0\.0\.1:\d+ but it was silent for 1500 ms\./m);
    assert.ok(held.length >= 1, 'it did connect');
    assert.ok(r.ms >= 1500, `waited ${r.ms} ms`);
    assert.ok(r.ms < refused.ms + 1500 + 5000, `gave up after ${r.ms} ms (refused at once after ${refused.ms} ms)`);
  } finally {
    for (const s of held) s.destroy();
    silent.close();
  }
});

test('malformed answers are E_SERVER_PROTOCOL, never a crash', async () => {
  const answers: Array<(res: ServerResponse) => void> = [
    (res) => res.end('<html>not json</html>'),
    (res) => json(res, 201, { runId: '../../etc', position: 0 }),
    (res) => { res.writeHead(502); res.end('<html>bad gateway</html>'); },
    (res) => json(res, 500, { error: { message: 'no code' } }),
  ];
  for (const answer of answers) {
    const fake = await fakeServer((_req, res) => answer(res));
    try {
      const r = await cones(['run', '--server', fake.base, HELLO]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^E_SERVER_PROTOCOL: Expected .* from the server but received /m);
      noStack(r);
    } finally {
      await fake.close();
    }
  }
  // A malformed event of the run, after it was accepted: exit 3.
  const bad = await runServer([], () => undefined, { wsEvents: [{ type: 'run_start', runId: 'r1', nodes: 'not a list', targets: [] }] });
  try {
    const r = await cones(['run', '--server', bad.base, HELLO]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^E_SERVER_PROTOCOL: Expected a well-formed "run_start" event/m);
  } finally {
    await bad.close();
  }
});

test('a websocket that drops mid-run loses no result: history is polled, its files fetched', async () => {
  let polls = 0;
  const fake = await fakeServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/runs') return json(res, 201, { runId: 'r1', position: 0 });
    if (req.url === '/api/queue') return json(res, 200, { running: { runId: 'r1' }, pending: [] });
    if (req.url === '/api/history/r1') {
      if (++polls < 3) return json(res, 404, { error: { code: 'E_RUN_NOT_FOUND', message: 'Run r1 has not finished yet.' } });
      return json(res, 200, { runId: 'r1', status: 'ok', ms: 5, executed: ['save'], cached: [], ui: {}, files: ['/api/files/outputs/r1/late.txt'] });
    }
    if (req.url === '/api/files/outputs/r1/late.txt') return void res.end('late but here');
    json(res, 404, { error: { code: 'E_NOT_FOUND', message: 'no' } });
  }, (ws) => {
    ws.once('message', () => {
      ws.send(JSON.stringify({ type: 'run_start', runId: 'r1', nodes: ['save'], targets: ['save'], seq: 0 }));
      setTimeout(() => ws.terminate(), 50);
    });
  });
  try {
    const r = await cones(['run', '--server', fake.base, HELLO, '--json', '--out', outDir('dropped')], { env: { CONES_SERVER_POLL_MS: '100' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ndjson(r.stdout).map((e) => e.type), ['run_start', 'run_done']);
    assert.ok(polls >= 3, `polled ${polls} times`);
    assert.equal(readFileSync(join(outDir('dropped'), 'late.txt'), 'utf8'), 'late but here');
    const submitted = JSON.parse(fake.bodies[fake.requests.indexOf('POST /api/runs')]);
    assert.ok(fake.requests.includes(`WS /ws?clientId=${submitted.clientId}&subscribe=r1`), 'followed with the clientId it submitted with, subscribed to its run');
  } finally {
    await fake.close();
  }
});
