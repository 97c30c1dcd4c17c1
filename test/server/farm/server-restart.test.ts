/**
 * Issue 25, fault tolerance: the server stops (SIGKILL, then SIGTERM) while a remote worker executes a run; a new
 * server on the same data folder and Redis re-attaches. The run finishes on the worker (once), the new server records
 * it once with its PNG (fetched through Redis) and tells its websocket clients; runs that were waiting in BullMQ are
 * executed and recorded too. Real redis-server, real server and worker processes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { NO_REDIS, requireRedisInCi, startRedis } from '../../helpers/redis';
import { scratchDir } from '../../helpers/scratch';
import { connectWs, type WsClient } from '../helpers';
import { recordedTimes, shapesGraph, slowShapesGraph, startWorker, stopWorker, type TestWorker } from './farm-helpers';
import { killServer, startServerProcess, type ServerProcess } from './server-process';

requireRedisInCi();

const PNG = [0x89, 0x50, 0x4e, 0x47];
const TERMINAL = ['run_done', 'run_error', 'interrupted'];

async function post(s: ServerProcess, graph: unknown): Promise<string> {
  const res = await s.api('/api/runs', { method: 'POST', json: { graph } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.runId as string;
}

/** Each run is in history once (history.jsonl), ok, with its PNG served by `s`. */
async function assertRecorded(s: ServerProcess, dataDir: string, runIds: string[]): Promise<void> {
  const times = recordedTimes(dataDir);
  assert.deepEqual(runIds.map((id) => times.get(id)), runIds.map(() => 1), 'each run recorded once in history.jsonl');
  const history = (await s.api('/api/history?limit=1000')).body.runs as any[];
  for (const id of runIds) {
    assert.deepEqual(history.filter((h) => h.runId === id).map((h) => h.status), ['ok'], `run ${id} once in history, ok`);
    const entry = (await s.api(`/api/history/${id}`)).body;
    const png = entry.files.find((f: string) => f.endsWith('.png'));
    assert.match(png ?? '', new RegExp(`^/api/files/outputs/${id}/shapes_\\d+\\.png$`), `run ${id} lists its PNG`);
    const file = await fetch(s.url + png);
    assert.equal(file.status, 200, `${png} is served`);
    assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).slice(0, 4)], PNG);
  }
}

const startedCount = (w: TestWorker, runId: string) => w.lines.filter((l) => l.includes(`run ${runId} started`)).length;

test('a restarted server re-attaches to runs executing on a worker and to runs waiting in Redis', { skip: NO_REDIS }, async () => {
  const redis = await startRedis();
  const dataDir = join(scratchDir('server-restart'), 'data');
  const worker = await startWorker(redis.url);
  const servers: ServerProcess[] = [];
  const sockets: WsClient[] = [];
  const start = async () => {
    const s = await startServerProcess(dataDir, redis.url);
    servers.push(s);
    const ws = await connectWs(s.url);
    sockets.push(ws);
    return { s, ws };
  };
  const ended = (ws: WsClient, runId: string) => ws.waitFor((m) => m.runId === runId && TERMINAL.includes(m.type), 60_000);
  try {
    const a = await start();
    // The test Redis has no persistence: the server says so.
    const persistence = (await a.s.api('/api/health')).body.farm.persistence;
    assert.equal(persistence.durable, false);
    assert.match(persistence.problems.join(' '), /appendonly/);

    // 1. SIGKILL while the worker executes r1 (busy 2 s before its PNG); r2 and r3 wait in BullMQ for the one worker.
    // All three finish while no server runs: the next one learns of them from Redis alone (job return values, file keys).
    const r1 = await post(a.s, slowShapesGraph(1, 100));
    const r2 = await post(a.s, shapesGraph(2));
    const r3 = await post(a.s, shapesGraph(3));
    await a.ws.waitFor((m) => m.runId === r1 && m.type === 'progress', 30_000);
    assert.equal(await killServer(a.s, 'SIGKILL'), null);
    assert.ok(!a.ws.messages.some((m) => [r1, r2, r3].includes(m.runId) && TERMINAL.includes(m.type)), 'nothing ended before the kill');
    await worker.waitForLine(new RegExp(`run ${r3} ok`), 30_000);

    const b = await start();
    const ends = await Promise.all([r1, r2, r3].map((id) => ended(b.ws, id)));
    assert.deepEqual(ends.map((e) => e.type), ['run_done', 'run_done', 'run_done']);
    await assertRecorded(b.s, dataDir, [r1, r2, r3]);
    assert.deepEqual([r1, r2, r3].map((id) => startedCount(worker, id)), [1, 1, 1], 'each run executed once: re-attached, not re-run');

    // 2. SIGTERM (server.close()) while the worker executes r4 (busy 10 s): the run is left running, not recorded
    // interrupted, and the next server follows it live (its progress reaches the new server's websocket client).
    const r4 = await post(b.s, slowShapesGraph(4, 500));
    await b.ws.waitFor((m) => m.runId === r4 && m.type === 'progress', 30_000);
    assert.equal(await killServer(b.s, 'SIGTERM'), 0);
    const c = await start();
    assert.ok(!worker.lines.some((l) => l.includes(`run ${r4} ok`)), 'r4 still executing when the new server is up');
    await c.ws.waitFor((m) => m.runId === r4 && m.type === 'progress', 15_000);
    assert.deepEqual((await c.s.api('/api/queue')).body.executing.map((r: any) => r.runId), [r4], 'the re-attached run counts as executing');
    assert.equal((await ended(c.ws, r4)).type, 'run_done');
    await assertRecorded(c.s, dataDir, [r1, r2, r3, r4]);
    assert.equal(startedCount(worker, r4), 1);
  } finally {
    for (const ws of sockets) ws.close();
    for (const s of servers) await killServer(s, 'SIGKILL');
    await stopWorker(worker);
    await redis.stop();
  }
});
