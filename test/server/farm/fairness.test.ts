/**
 * Issue 25, fairness between clients on the farm (server/farm/fair-share.ts): client A queues 8 runs, client B then
 * queues 1; with one worker B's run starts before all of A's runs waiting at that time except at most one, so at the
 * latest third, before A's last 6. A's runs keep their order. Real redis-server and `cones worker`; skipped without it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_REDIS, requireRedisInCi, startRedis } from '../../helpers/redis';
import { connectWs, slowGraph, startTestServer } from '../helpers';
import { startWorker, stopWorker } from './farm-helpers';

requireRedisInCi();

test('one client\'s 8 queued runs do not starve another client\'s single run', { skip: NO_REDIS }, async () => {
  const redis = await startRedis();
  const t = await startTestServer(undefined, { redisUrl: redis.url, noWorkerGraceMs: 30_000 });
  const ws = await connectWs(t.base);
  const worker = await startWorker(redis.url);
  try {
    const post = async (seed: number, clientId: string) => {
      const res = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(seed, 25), clientId } }); // 0.5 s each
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.runId as string;
    };
    const a: string[] = [];
    for (let i = 0; i < 8; i++) a.push(await post(i, 'client-A'));
    const b = await post(100, 'client-B');
    await Promise.all([...a, b].map((id) => ws.waitFor((m) => m.runId === id && m.type === 'run_done', 30_000)));
    const order = worker.lines.map((l) => /run (\S+) started/.exec(l)?.[1]).filter((id): id is string => Boolean(id));
    assert.deepEqual([...order].sort(), [...a, b].sort(), 'each run executed once');
    const bAt = order.indexOf(b);
    console.log(`# start order: ${order.map((id) => (id === b ? 'B' : `A${a.indexOf(id) + 1}`)).join(' ')}`);
    assert.ok(bAt < order.indexOf(a[2]), `B started at position ${bAt + 1}, before A's last 6 (A3..A8)`);
    assert.deepEqual(order.filter((id) => id !== b), a, 'A\'s runs started in the order A submitted them');
  } finally {
    ws.close();
    await t.server.close();
    await stopWorker(worker);
    await redis.stop();
  }
});
