/**
 * The farm (issue 25, stage 1): a server with --redis, real `redis-server`, real `cones worker` processes.
 * Skipped with the reason when redis-server is not installed (a failure under CI=true).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NO_REDIS, requireRedisInCi, startRedis, type TestRedis } from '../../helpers/redis';
import { connectWs, REPO_ROOT, slowGraph, startTestServer, type TestServer, type WsClient } from '../helpers';
import { shapesGraph, startWorker, stopWorker, type TestWorker } from './farm-helpers';

requireRedisInCi();
const skip = NO_REDIS;

let redis: TestRedis;
let t: TestServer;
let ws: WsClient;
const workers: TestWorker[] = [];

before(async () => {
  if (skip) return;
  redis = await startRedis();
  t = await startTestServer(undefined, { redisUrl: redis.url, noWorkerGraceMs: 30_000 });
  ws = await connectWs(t.base);
  workers.push(await startWorker(redis.url));
});

after(async () => {
  if (skip) return;
  ws.close();
  await t.server.close();
  await Promise.all(workers.map(stopWorker));
  await redis.stop();
});

const post = async (graph: unknown) => {
  const res = await t.api('/api/runs', { method: 'POST', json: { graph } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.runId as string;
};
const terminal = (runId: string, timeoutMs = 30_000) =>
  ws.waitFor((m) => m.runId === runId && ['run_done', 'run_error', 'interrupted'].includes(m.type), timeoutMs);
const startedOn = (runId: string) => workers.find((w) => w.lines.some((l) => l.includes(`run ${runId} started`)));

test('a run needing a model no live worker holds fails fast with E_NO_WORKER_FOR_MODEL', { skip }, async () => {
  // The server has the folder (as inputs/models/shapes2), so the graph passes its checks; no worker holds it.
  mkdirSync(join(t.dir, 'in', 'models'), { recursive: true });
  cpSync(join(REPO_ROOT, 'models/shapes'), join(t.dir, 'in', 'models', 'shapes2'), { recursive: true });
  const graph = shapesGraph(1);
  graph.nodes.model.inputs.folder = 'models/shapes2';
  const t0 = performance.now();
  const runId = await post(graph);
  const ev = await terminal(runId, 10_000);
  assert.equal(ev.type, 'run_error');
  assert.equal(ev.code, 'E_NO_WORKER_FOR_MODEL');
  assert.match(ev.message, /models\/shapes2/);
  assert.ok(performance.now() - t0 < 5000, 'failed within seconds, not after a long wait');
  const hist = (await t.api(`/api/history/${runId}`)).body;
  assert.equal(hist.error.code, 'E_NO_WORKER_FOR_MODEL');
});

test('interrupt reaches a run on a remote worker within a second; the worker then takes the next run', { skip }, async () => {
  const slow = await post(slowGraph(1, 500)); // 10 s if nobody stops it
  await ws.waitFor((m) => m.runId === slow && m.type === 'progress');
  const queue = (await t.api('/api/queue')).body;
  assert.equal(queue.running.runId, slow);
  assert.deepEqual(queue.executing.map((r: any) => r.runId), [slow]);
  const t0 = performance.now();
  assert.deepEqual((await t.api('/api/interrupt', { method: 'POST', json: { runId: slow } })).body, { interrupted: slow });
  const ev = await terminal(slow, 5000);
  const ms = performance.now() - t0;
  assert.equal(ev.type, 'interrupted');
  assert.equal(ev.nodeId, 'slow');
  assert.ok(ms < 1000, `interrupted after ${ms.toFixed(0)} ms`);
  const hist = (await t.api(`/api/history/${slow}`)).body;
  assert.deepEqual([hist.status, hist.interrupted], ['interrupted', { nodeId: 'slow', reason: 'user' }]);
  const next = await post(slowGraph(2, 1));
  assert.equal((await terminal(next)).type, 'run_done');
});

test('3 workers, 60 runs of the embedded model: all ok, each once in history, outputs served by the server', { skip }, async () => {
  workers.push(...(await Promise.all([startWorker(redis.url), startWorker(redis.url)])));
  const t0 = performance.now();
  const runIds = await Promise.all(Array.from({ length: 60 }, (_, i) => post(shapesGraph(100 + i))));
  const events = await Promise.all(runIds.map((id) => terminal(id, 90_000)));
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(events.map((e) => e.type), runIds.map(() => 'run_done'));
  const history = (await t.api('/api/history?limit=1000')).body.runs as any[];
  for (const id of runIds) assert.equal(history.filter((h) => h.runId === id).length, 1, `run ${id} once in history`);
  assert.ok(history.filter((h) => runIds.includes(h.runId)).every((h) => h.status === 'ok'));
  const used = new Set(runIds.map((id) => startedOn(id)?.id));
  assert.ok(used.size >= 2, `runs spread over ${used.size} worker(s)`);
  const entry = (await t.api(`/api/history/${runIds[0]}`)).body;
  const png = entry.files[0] as string;
  assert.match(png, new RegExp(`^/api/files/outputs/${runIds[0]}/shapes_\\d+\\.png$`));
  const file = await fetch(t.base + png);
  assert.equal(file.status, 200);
  assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const health = (await t.api('/api/health')).body;
  assert.equal(health.farm.workers.length, 3);
  console.log(`# 60 runs on 3 workers: ${seconds.toFixed(1)} s`);
});

test('SIGKILL of a worker mid-run: the run completes on another worker, recorded once', { skip }, async () => {
  const runId = await post(slowGraph(7, 100)); // 2 s
  await ws.waitFor((m) => m.runId === runId && m.type === 'progress');
  const victim = startedOn(runId);
  assert.ok(victim, 'a worker logged the run');
  victim.child.kill('SIGKILL');
  await victim.exited;
  workers.splice(workers.indexOf(victim), 1);
  const ev = await terminal(runId, 30_000);
  assert.equal(ev.type, 'run_done');
  const rescuer = startedOn(runId);
  assert.ok(rescuer && rescuer !== victim, 'another worker executed the retry');
  assert.ok(rescuer.lines.some((l) => l.includes(`run ${runId} started`) && l.includes('stalled 1')));
  const history = (await t.api('/api/history?limit=1000')).body.runs as any[];
  assert.deepEqual(history.filter((h) => h.runId === runId).map((h) => h.status), ['ok']);
});

test('SIGTERM: the worker finishes its current run, takes no other, and exits 0', { skip }, async () => {
  // Leave one worker: the run and the one after it both wait for it.
  while (workers.length > 1) {
    const w = workers.pop()!;
    await stopWorker(w);
  }
  const [only] = workers;
  const current = await post(slowGraph(8, 75)); // 1.5 s
  await ws.waitFor((m) => m.runId === current && m.type === 'progress');
  const next = await post(slowGraph(9, 1));
  only.child.kill('SIGTERM');
  assert.equal(await only.exited, 0);
  workers.pop();
  assert.equal((await terminal(current)).type, 'run_done');
  assert.ok(!only.lines.some((l) => l.includes(`run ${next} started`)), 'the stopping worker took no new run');
  assert.equal((await t.api('/api/queue')).body.pending[0]?.runId, next, 'the next run waits in the queue');
  // A run waiting in Redis for a worker can be removed, as a pending run can without --redis.
  const removable = await post(slowGraph(10, 1));
  assert.deepEqual((await t.api(`/api/queue/${removable}`, { method: 'DELETE' })).body, { removed: removable });
  assert.equal((await terminal(removable)).reason, 'removed');
  assert.deepEqual((await t.api(`/api/history/${removable}`)).body.interrupted, { reason: 'removed' });
  assert.equal((await t.api(`/api/history/${removable}`)).body.startedAt, undefined, 'no worker ever started it');
  // Interrupting one that waits for a worker (what Ctrl-C of `cones run --server` asks first) withdraws it the same way.
  const waiting = await post(slowGraph(11, 1));
  assert.deepEqual((await t.api('/api/interrupt', { method: 'POST', json: { runId: waiting } })).body, { interrupted: waiting });
  assert.equal((await terminal(waiting)).reason, 'removed');
  const entry = (await t.api(`/api/history/${waiting}`)).body;
  assert.deepEqual([entry.status, entry.interrupted, entry.startedAt], ['interrupted', { reason: 'removed' }, undefined]);
  workers.push(await startWorker(redis.url));
  assert.equal((await terminal(next)).type, 'run_done');
});
