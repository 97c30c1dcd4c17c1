/**
 * Issue 25, fault tolerance: Redis (appendonly yes, appendfsync always) SIGKILLed while a worker executes a run and
 * started again on the same port and folder. No acknowledged run is lost or recorded twice; while Redis is down a
 * submission is refused at once with E_REDIS_UNAVAILABLE; the server and the worker reconnect by themselves.
 * Real redis-server, a real `cones worker` process; skipped with the reason when redis-server is missing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_REDIS, requireRedisInCi } from '../../helpers/redis';
import { connectWs, startTestServer, type TestServer } from '../helpers';
import { startDurableRedis } from './durable-redis';
import { recordedTimes, shapesGraph, slowShapesGraph, startWorker, stopWorker } from './farm-helpers';

requireRedisInCi();

const PNG = [0x89, 0x50, 0x4e, 0x47];

async function post(t: TestServer, graph: unknown): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await t.api('/api/runs', { method: 'POST', json: { graph } });
  return { ...res, ms: performance.now() - t0 };
}

test('Redis SIGKILLed mid-run and restarted from its AOF: every acknowledged run ends once in history, with its PNG', { skip: NO_REDIS }, async () => {
  const redis = await startDurableRedis();
  const t = await startTestServer(undefined, { redisUrl: redis.url, noWorkerGraceMs: 30_000 });
  const ws = await connectWs(t.base);
  const worker = await startWorker(redis.url);
  try {
    const persistence = (await t.api('/api/health')).body.farm.persistence;
    assert.deepEqual([persistence.durable, persistence.appendonly, persistence.appendfsync, persistence.problems], [true, 'yes', 'always', []]);

    // One run done, one executing (busy 1.5 s before its PNG), four waiting in Redis when Redis dies.
    const acknowledged: string[] = [];
    for (const graph of [shapesGraph(400), slowShapesGraph(401, 75), shapesGraph(402), shapesGraph(403), shapesGraph(404), shapesGraph(405)]) {
      const res = await post(t, graph);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      acknowledged.push(res.body.runId);
    }
    await ws.waitFor((m) => m.runId === acknowledged[0] && m.type === 'run_done', 30_000);
    await ws.waitFor((m) => m.runId === acknowledged[1] && m.type === 'progress', 30_000);
    await redis.kill();

    // Down: refused at once (not after a timeout, not acknowledged), and health says so.
    for (const seed of [500, 501]) {
      const res = await post(t, shapesGraph(seed));
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'E_REDIS_UNAVAILABLE');
      assert.ok(res.ms < 2000, `refused after ${res.ms.toFixed(0)} ms`);
    }
    assert.equal((await t.api('/api/health')).body.farm.redis, 'connecting');
    await new Promise((r) => setTimeout(r, 2000)); // longer than the worker's 1.5 s lock: the executing run stalls
    await redis.restart();

    // Up again: the server takes submissions again by itself (its connection retries), without being restarted.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await post(t, shapesGraph(406));
      if (res.status === 201) {
        acknowledged.push(res.body.runId);
        break;
      }
      assert.equal(res.body.error?.code, 'E_REDIS_UNAVAILABLE', JSON.stringify(res.body));
      assert.ok(Date.now() < deadline, 'the server did not reconnect to Redis within 15 s');
      await new Promise((r) => setTimeout(r, 250));
    }

    const ends = await Promise.all(acknowledged.map((id) =>
      ws.waitFor((m) => m.runId === id && ['run_done', 'run_error', 'interrupted'].includes(m.type), 60_000)));
    assert.deepEqual(ends.map((e) => [e.runId, e.type]), acknowledged.map((id) => [id, 'run_done']));

    // The run executing when Redis died lost its lock (Redis was down longer than it): BullMQ hands it out again and
    // the worker executes it a second time. That second execution must not make a second history entry (checked below).
    const executing = acknowledged[1];
    await worker.waitForLine(new RegExp(`run ${executing} started \\(attempt \\d+, stalled 1\\)`), 20_000);
    const deadline2 = Date.now() + 20_000;
    while (worker.lines.filter((l) => l === `[worker] run ${executing} ok`).length < 2) {
      assert.ok(Date.now() < deadline2, `the retry of ${executing} did not finish: ${worker.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000)); // > the server's 1.5 s grace for a completed job's lost message

    const history = (await t.api('/api/history?limit=1000')).body.runs as any[];
    assert.deepEqual(history.map((h) => h.runId).sort(), [...acknowledged].sort(), 'history holds exactly the acknowledged runs');
    const times = recordedTimes(t.options.dataDir);
    assert.deepEqual([...times.keys()].sort(), [...acknowledged].sort());
    assert.deepEqual([...times.values()], acknowledged.map(() => 1), 'each recorded once in history.jsonl');
    for (const id of acknowledged) {
      const entry = (await t.api(`/api/history/${id}`)).body;
      assert.equal(entry.status, 'ok', id);
      const png = entry.files.find((f: string) => f.endsWith('.png'));
      assert.match(png ?? '', new RegExp(`^/api/files/outputs/${id}/shapes_\\d+\\.png$`), `run ${id} lists its PNG`);
      const file = await fetch(t.base + png);
      assert.equal(file.status, 200, `${png} is served`);
      assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).slice(0, 4)], PNG);
    }
    // The refused submissions never reached a worker.
    const started = worker.lines.map((l) => /run (\S+) started/.exec(l)?.[1]).filter((id): id is string => Boolean(id));
    assert.deepEqual(started.filter((id) => !acknowledged.includes(id)), []);
  } finally {
    ws.close();
    await t.server.close();
    await stopWorker(worker);
    await redis.stop();
  }
});
