/**
 * Issue 25, routing by model: two real `cones worker` processes holding different model folders (the install's
 * models/shapes, and a copy of it named models/shapesb). A run naming a folder executes only on a worker holding it,
 * even while the other worker is idle, and not on a worker holding other contents under that name (fingerprint); a run
 * no live worker can execute ends with E_NO_WORKER_FOR_MODEL instead of waiting forever (after the grace period when
 * no worker is live; once the advert of its only capable worker expires).
 * Real redis-server; skipped with the reason when it is missing. (farm.test.ts covers a folder no live worker holds.)
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NO_REDIS, requireRedisInCi, startRedis, type TestRedis } from '../../helpers/redis';
import { connectWs, REPO_ROOT, startTestServer, type TestServer, type WsClient } from '../helpers';
import { shapesGraph, slowShapesGraph, startWorker, stopWorker, type TestWorker } from './farm-helpers';

requireRedisInCi();
const skip = NO_REDIS;
const GRACE_MS = 3000;
const TERMINAL = ['run_done', 'run_error', 'interrupted'];

let redis: TestRedis;
let t: TestServer;
let ws: WsClient;
/** Holds models/shapes (the install's models folder), and a models/shapesb with other contents (an extra file). */
let wa: TestWorker;
/** Holds models/shapesb only. */
let wb: TestWorker;

before(async () => {
  if (skip) return;
  redis = await startRedis();
  t = await startTestServer(undefined, { redisUrl: redis.url, noWorkerGraceMs: GRACE_MS });
  ws = await connectWs(t.base);
  // The server checks files in its own folders before queueing: it needs models/shapesb too (in its inputs folder).
  mkdirSync(join(t.dir, 'in', 'models'), { recursive: true });
  cpSync(join(REPO_ROOT, 'models/shapes'), join(t.dir, 'in', 'models', 'shapesb'), { recursive: true });
  // Another folder under the same name, with one file more: a different fingerprint, so it does not count as models/shapesb.
  cpSync(join(REPO_ROOT, 'models/shapes'), join(t.dir, 'other', 'shapesb'), { recursive: true });
  writeFileSync(join(t.dir, 'other', 'shapesb', 'NOTES.txt'), 'a local copy\n');
});

after(async () => {
  if (skip) return;
  ws.close();
  await t.server.close();
  await Promise.all([wa, wb].filter(Boolean).map(stopWorker));
  await redis.stop();
});

const inFolder = <G extends Record<string, any>>(graph: G, folder: string): G => {
  graph.nodes.model.inputs.folder = folder;
  return graph;
};
const post = async (graph: unknown) => {
  const res = await t.api('/api/runs', { method: 'POST', json: { graph } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.runId as string;
};
const terminal = (runId: string, timeoutMs = 30_000) => ws.waitFor((m) => m.runId === runId && TERMINAL.includes(m.type), timeoutMs);
const started = (w: TestWorker, runId: string) => w.lines.some((l) => l.includes(`run ${runId} started`));

test('with no live worker, a run ends with E_NO_WORKER_FOR_MODEL after the grace period, not before', { skip }, async () => {
  const t0 = performance.now();
  const runId = await post(shapesGraph(1));
  const ev = await terminal(runId, 15_000);
  const ms = performance.now() - t0;
  assert.deepEqual([ev.type, ev.code], ['run_error', 'E_NO_WORKER_FOR_MODEL']);
  assert.match(ev.message, /No live worker for 3 s/);
  assert.ok(ms >= GRACE_MS - 100 && ms < GRACE_MS + 5000, `ended after ${ms.toFixed(0)} ms (grace ${GRACE_MS} ms)`);
});

test('each run executes only on a worker holding its model folder, even while the other worker is idle', { skip }, async () => {
  [wa, wb] = await Promise.all([
    startWorker(redis.url, ['--models', join(REPO_ROOT, 'models'), '--models', join(t.dir, 'other')]),
    startWorker(redis.url, ['--models', join(t.dir, 'in', 'models')]),
  ]);
  assert.deepEqual(wa.lines.find((l) => / ready on /.test(l))?.replace(/.*models: /, ''), 'models/shapes, models/shapesb');
  assert.deepEqual(wb.lines.find((l) => / ready on /.test(l))?.replace(/.*models: /, ''), 'models/shapesb');
  const deadline = Date.now() + 10_000;
  while ((await t.api('/api/health')).body.farm.workers.length < 2) {
    assert.ok(Date.now() < deadline, 'both workers advertised within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Four runs for B at once: B takes one, idle A (whose models/shapesb differs from the server's) is offered others and
  // passes them on.
  const forB = await Promise.all([10, 11, 12, 13].map((seed) => post(inFolder(shapesGraph(seed), 'models/shapesb'))));
  const forA = await Promise.all([20, 21].map((seed) => post(shapesGraph(seed))));
  const ends = await Promise.all([...forB, ...forA].map((id) => terminal(id, 60_000)));
  assert.deepEqual(ends.map((e) => e.type), [...forB, ...forA].map(() => 'run_done'), JSON.stringify(ends));
  for (const id of forB) assert.deepEqual([started(wa, id), started(wb, id)], [false, true], `run ${id} (models/shapesb) on B only`);
  for (const id of forA) assert.deepEqual([started(wa, id), started(wb, id)], [true, false], `run ${id} (models/shapes) on A only`);
  assert.ok(wa.lines.some((l) => /passed on: this worker lacks models\/shapesb/.test(l)), 'the idle worker A was offered a run for B');
  const health = (await t.api('/api/health')).body.farm.workers as Array<{ models: string[] }>;
  assert.deepEqual(health.map((w) => w.models.join(',')).sort(), ['models/shapes,models/shapesb', 'models/shapesb']);
  const history = (await t.api('/api/history?limit=100')).body.runs as any[];
  for (const id of [...forB, ...forA]) assert.deepEqual(history.filter((h) => h.runId === id).map((h) => h.status), ['ok']);
});

test('a run whose only capable worker dies ends with E_NO_WORKER_FOR_MODEL once that worker\'s advert expires', { skip }, async () => {
  const executing = await post(inFolder(slowShapesGraph(30, 150), 'models/shapesb')); // 3 s
  await ws.waitFor((m) => m.runId === executing && m.type === 'progress', 30_000);
  const waiting = await post(inFolder(shapesGraph(31), 'models/shapesb'));
  wb.child.kill('SIGKILL');
  await wb.exited;
  const t0 = performance.now();
  const ends = await Promise.all([executing, waiting].map((id) => terminal(id, 20_000)));
  const ms = performance.now() - t0;
  assert.deepEqual(ends.map((e) => [e.type, e.code]), [['run_error', 'E_NO_WORKER_FOR_MODEL'], ['run_error', 'E_NO_WORKER_FOR_MODEL']]);
  assert.match(ends[1].message, /No live worker holds models\/shapesb with the server's contents; the 1 live worker\(s\) hold models\/shapes, models\/shapesb/);
  assert.ok(ms < 12_000, `ended ${ms.toFixed(0)} ms after the kill (advert TTL 6 s)`);
  assert.ok(![executing, waiting].some((id) => started(wa, id)), 'worker A (other contents under models/shapesb) executed neither');
  // A still serves its own folder.
  assert.equal((await terminal(await post(shapesGraph(32)))).type, 'run_done');
});
