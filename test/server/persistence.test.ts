import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectWs, slowGraph, startTestServer, tempDir } from './helpers';

test('a restart keeps the queue (pending runs then run) and the history; the running run is recorded as interrupted', async () => {
  const dir = tempDir();
  const first = await startTestServer(dir);
  const ws = await connectWs(first.base);
  const done = await first.api('/api/runs', { method: 'POST', json: { graph: slowGraph(1, 1) } });
  await ws.waitFor((m) => m.runId === done.body.runId && m.type === 'run_done');
  const running = await first.api('/api/runs', { method: 'POST', json: { graph: slowGraph(2, 500) } });
  const queued = await Promise.all([3, 4].map((v) => first.api('/api/runs', { method: 'POST', json: { graph: slowGraph(v, 1) } })));
  await ws.waitFor((m) => m.runId === running.body.runId && m.type === 'progress');
  ws.close();
  await first.server.close();

  const saved = JSON.parse(readFileSync(join(dir, 'data/queue.json'), 'utf8'));
  const pendingIds = saved.pending.map((r: any) => r.runId);
  assert.deepEqual(pendingIds, queued.map((q) => q.body.runId), 'queue.json holds the pending runs with their graphs');
  assert.deepEqual(saved.pending[0].graph, slowGraph(3, 1));

  const second = await startTestServer(dir);
  const ws2 = await connectWs(second.base);
  for (const q of queued) {
    const runId = q.body.runId;
    const hist = await waitForHistory(second.api, runId);
    assert.equal(hist.status, 'ok');
  }
  assert.equal((await second.api(`/api/history/${done.body.runId}`)).body.status, 'ok', 'history from before the restart');
  const stopped = (await second.api(`/api/history/${running.body.runId}`)).body;
  assert.deepEqual([stopped.status, stopped.interrupted.reason], ['interrupted', 'server_stopped']);
  const list = await second.api('/api/history?limit=2');
  assert.deepEqual(list.body.runs.map((r: any) => r.runId), [queued[1].body.runId, queued[0].body.runId], 'newest first');
  assert.equal(list.body.runs[0].graph, undefined, 'the list leaves graphs out');
  ws2.close();
  await second.server.close();
});

test('a run that was executing when the process died is recorded as interrupted at startup; a torn history line is skipped', async () => {
  const dir = tempDir();
  const s0 = await startTestServer(dir);
  await s0.server.close();
  const orphan = { runId: 'orphan-1', graph: slowGraph(1), submittedAt: new Date().toISOString(), startedAt: new Date().toISOString() };
  const pending = { runId: 'pending-1', graph: slowGraph(9, 1), submittedAt: new Date().toISOString() };
  writeFileSync(join(dir, 'data/queue.json'), JSON.stringify({ version: 1, running: orphan, pending: [pending] }));
  writeFileSync(join(dir, 'data/history.jsonl'),
    '{"runId":"old","status":"ok","ui":{},"files":[],"submittedAt":"x","finishedAt":"y"}\n{"runId":"torn","sta');

  const s1 = await startTestServer(dir);
  const entry = (await s1.api('/api/history/orphan-1')).body;
  assert.deepEqual([entry.status, entry.interrupted.reason], ['interrupted', 'server_stopped']);
  assert.equal((await waitForHistory(s1.api, 'pending-1')).status, 'ok');
  assert.equal((await s1.api('/api/history/old')).body.status, 'ok');
  assert.equal((await s1.api('/api/history/torn')).status, 404);
  await s1.server.close();
});

async function waitForHistory(api: (p: string) => Promise<{ status: number; body: any }>, runId: string): Promise<any> {
  for (let i = 0; i < 300; i++) {
    const res = await api(`/api/history/${runId}`);
    if (res.status === 200) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} never reached history`);
}

test('a data folder that cannot be written refuses runs with 503 E_DATA_DIR_UNWRITABLE; ' +
  'stale temp files are removed at start', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'queue.json.99999.tmp'), ''); // left by a process killed mid-write
  writeFileSync(join(dir, 'data', 'history.jsonl.99998.tmp'), '');
  const t = await startTestServer(dir);
  try {
    const left = readdirSync(join(dir, 'data')).filter((f) => f.endsWith('.tmp') && !f.includes(`.${process.pid}.`));
    assert.deepEqual(left, [], 'temp files of other (dead) processes are gone');
    // Root ignores permissions, so block the write another way: the temp file's name is taken by a folder
    // (once the startup write of queue.json, in flight now, has renamed its own temp file away).
    const ownTemp = join(dir, 'data', `queue.json.${process.pid}.tmp`);
    for (let i = 0; i < 100 && existsSync(ownTemp); i++) await new Promise((r) => setTimeout(r, 20));
    mkdirSync(ownTemp);
    const refused = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(1, 1) } });
    assert.deepEqual([refused.status, refused.body.error.code], [503, 'E_DATA_DIR_UNWRITABLE']);
    assert.deepEqual((await t.api('/api/queue')).body.pending, [], 'nothing was queued');
    rmSync(ownTemp, { recursive: true });
    const accepted = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(1, 1) } });
    assert.equal(accepted.status, 201, 'accepted again once the folder can be written');
    await waitForHistory(t.api, accepted.body.runId);
  } finally {
    await t.server.close();
  }
});
