import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { connectWs, graphOf, REPO_ROOT, slowGraph, startTestServer, tempDir, TEST_MODULES, type TestServer } from './helpers';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.server.close();
});

test('the API answers while a node blocks its thread: graphs execute in the worker', async () => {
  const BUSY_MS = 1500;
  // Generous on a loaded 2-core machine, yet far below BUSY_MS: a blocked event loop could not meet it.
  const BOUND_MS = 500;
  const ws = await connectWs(t.base);
  const graph = graphOf({
    busy: { type: 'TestBusy', version: 1, inputs: { ms: BUSY_MS } },
    sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'busy', output: 'value' } } },
  });
  const res = await t.api('/api/runs', { method: 'POST', json: { graph } });
  await ws.waitFor((m) => m.runId === res.body.runId && m.type === 'node_start' && m.nodeId === 'busy');
  const t0 = performance.now();
  const health = await t.api('/api/health');
  const elapsed = performance.now() - t0;
  assert.equal(health.body.ok, true);
  assert.equal(health.body.runningId, res.body.runId, 'the busy run was still executing when health answered');
  assert.ok(elapsed < BOUND_MS, `GET /api/health took ${elapsed.toFixed(0)} ms while the worker was busy`);
  await ws.waitFor((m) => m.runId === res.body.runId && m.type === 'run_done');
  ws.close();
});

test('the worker keeps its cache across runs: an unchanged graph is all cached, a changed value re-runs its descendants only', async () => {
  const ws = await connectWs(t.base);
  const graph = (b: number) => graphOf({
    a: { type: 'TestAdd', version: 1, inputs: { a: 1, b: 2 } },
    seed: { type: 'TestAdd', version: 1, inputs: { a: { from: 'a', output: 'sum' }, b } },
    sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'seed', output: 'sum' } } },
  });
  const run = async (b: number) => {
    const res = await t.api('/api/runs', { method: 'POST', json: { graph: graph(b) } });
    return ws.waitFor((m) => m.runId === res.body.runId && m.type === 'run_done');
  };
  const first = await run(10);
  assert.deepEqual(first.executed, ['a', 'seed', 'sink']);
  assert.deepEqual((await run(10)).cached, ['a', 'seed', 'sink']);
  const third = await run(11);
  assert.deepEqual([third.cached, third.executed], [['a'], ['seed', 'sink']]);
  ws.close();
});

test('a worker crash fails the run with E_WORKER_CRASHED, restarts the worker and the queue continues', async () => {
  const ws = await connectWs(t.base);
  const crashGraph = graphOf({
    c: { type: 'TestCrash', version: 1 },
    s: { type: 'TestSink', version: 1, inputs: { value: { from: 'c', output: 'value' } } },
  });
  const crash = await t.api('/api/runs', { method: 'POST', json: { graph: crashGraph } });
  const next = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(42, 1) } });
  const err = await ws.waitFor((m) => m.runId === crash.body.runId && m.type === 'run_error');
  assert.equal(err.code, 'E_WORKER_CRASHED');
  const done = await ws.waitFor((m) => m.runId === next.body.runId && m.type === 'run_done');
  assert.deepEqual(done.executed, ['slow', 'sink']);
  assert.equal((await t.api(`/api/history/${crash.body.runId}`)).body.error.code, 'E_WORKER_CRASHED');
  ws.close();
});

test('server.ts starts through a launcher that registers tsx itself (as bin/ does), and its worker runs graphs', async () => {
  const dir = tempDir();
  const launcher = `import { register } from 'tsx/esm/api'; register(); await import('./server.ts');`;
  const args = [
    '--input-type=module', '-e', launcher, '--', '--port', '0', '--data-dir', `${dir}/data`, '--outputs', `${dir}/out`,
    '--inputs', `${dir}/in`, '--residuals', `${dir}/res`, '--layouts', `${dir}/lay`, ...TEST_MODULES.flatMap((m) => ['--plugin', m]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let errText = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.stderr.on('data', (d) => (errText += d));
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${errText}`)));
    });
    const ws = await connectWs(url);
    const res = await fetch(`${url}/api/runs`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph: slowGraph(5, 1) }),
    });
    const { runId } = (await res.json()) as { runId: string };
    const done = await ws.waitFor((m) => m.runId === runId && m.type === 'run_done', 30_000);
    assert.deepEqual(done.executed, ['slow', 'sink']);
    ws.close();
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
});

test('server.ts started with no folder options writes nothing in its working directory outside .cones-server/', async () => {
  const cwd = tempDir();
  const launcher = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register();
    await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'server.ts')).href)});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', launcher, '--', '--port', '0'], {
    cwd, env: { ...process.env, NODE_OPTIONS: '', CONES_DATA_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let errText = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (/listening on/.test(out)) resolve();
      });
      child.stderr.on('data', (d) => (errText += d));
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${errText}`)));
    });
    assert.deepEqual(readdirSync(cwd), ['.cones-server']);
    const folders = readdirSync(join(cwd, '.cones-server'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.deepEqual(folders.sort(), ['inputs', 'layouts', 'outputs', 'residuals']);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
});
