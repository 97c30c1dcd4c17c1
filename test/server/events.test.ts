import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectWs, slowGraph, startTestServer, TERMINAL, type TestServer, type WsClient } from './helpers';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.server.close();
});

/** Checks one run's event sequence: run_start first, a terminal event last, each node started before done. */
function checkSequence(events: any[], runId: string): void {
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'run_start', `run ${runId} starts with run_start: ${types.join(',')}`);
  assert.equal(types.at(-1), 'run_done', `run ${runId} ends with run_done: ${types.join(',')}`);
  assert.equal(types.filter((x) => TERMINAL.has(x)).length, 1);
  for (const node of ['slow', 'sink']) {
    const start = events.findIndex((e) => e.type === 'node_start' && e.nodeId === node);
    const done = events.findIndex((e) => e.type === 'node_done' && e.nodeId === node);
    assert.ok(start > 0 && done > start, `node ${node} of run ${runId}: start ${start}, done ${done}`);
  }
  const progress = events.filter((e) => e.type === 'progress').map((e) => e.value);
  assert.deepEqual(progress, [1, 2], 'every progress event of the slow node arrives, in order');
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i), 'sequence numbers have no gap: nothing was lost');
}

test('20 concurrent websocket clients each get every event of their runs, in order, and their results', async () => {
  const CLIENTS = 20;
  const RUNS_EACH = 2;
  const clients: WsClient[] = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connectWs(t.base, `?clientId=client-${i}`)));
  // Half the clients narrow their stream to their own runs (subscribing to a run id that never exists).
  for (const c of clients.slice(0, CLIENTS / 2)) c.ws.send(JSON.stringify({ type: 'subscribe', runId: 'narrow-me' }));
  for (const c of clients) assert.equal((await c.waitFor((m) => m.type === 'status')).queue.pending >= 0, true);

  const submitted = await Promise.all(clients.flatMap((_, i) => Array.from({ length: RUNS_EACH }, async (_, k) => {
    const value = i * 100 + k;
    const res = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(value), clientId: `client-${i}` } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(typeof res.body.position, 'number');
    return { client: i, runId: res.body.runId as string, value };
  })));

  for (const { client, runId } of submitted) await clients[client].waitFor((m) => m.runId === runId && TERMINAL.has(m.type), 30_000);
  for (const { client, runId, value } of submitted) {
    const mine = clients[client].messages.filter((m) => m.runId === runId && m.type !== 'queued');
    checkSequence(mine, runId);
    const sinkDone = mine.find((m) => m.type === 'node_done' && m.nodeId === 'sink');
    assert.deepEqual(sinkDone.ui, { value });
    const hist = await t.api(`/api/history/${runId}`);
    assert.equal(hist.status, 200);
    assert.equal(hist.body.status, 'ok');
    assert.deepEqual(hist.body.ui.sink, { value });
    assert.deepEqual(hist.body.executed, ['slow', 'sink']);
  }
  // Narrowed clients saw no other client's run events; the others saw all of them.
  const all = new Set(submitted.map((s) => s.runId));
  const runEvents = (c: WsClient) => new Set(c.messages.filter((m) => m.runId && m.type !== 'queued').map((m) => m.runId));
  assert.equal(runEvents(clients[0]).size, RUNS_EACH);
  assert.equal(runEvents(clients[CLIENTS - 1]).size, all.size);
  for (const c of clients) c.close();
});

test('/ws?subscribe=RUNID while the run executes: its events from the first one, in order, none missed', async () => {
  const watcher = await connectWs(t.base);
  const res = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(11, 100) } }); // 100 x 20 ms
  const runId = res.body.runId as string;
  // Join mid-run, while live events of the run flow as the socket opens.
  await watcher.waitFor((m) => m.runId === runId && m.type === 'progress');
  watcher.close();
  const follower = await connectWs(t.base, `?clientId=other&subscribe=${runId}`);
  await follower.waitFor((m) => m.runId === runId && m.type === 'run_done', 30_000);
  const seen = follower.messages.filter((m) => m.runId === runId);
  const types = seen.map((m) => m.type);
  assert.equal(types[0], 'run_start', types.join(', '));
  assert.equal(types.at(-1), 'run_done');
  assert.deepEqual(seen.filter((m) => m.type === 'progress').map((m) => m.value), Array.from({ length: 100 }, (_, i) => i + 1));
  assert.deepEqual(seen.map((m) => m.seq), seen.map((_, i) => i), 'every event once, in order, no gap');
  follower.close();
});

test('a client subscribing after a run finished is replayed its events; the final status shows an empty queue', async () => {
  const watcher = await connectWs(t.base);
  const res = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(7) } });
  const runId = res.body.runId as string;
  await watcher.waitFor((m) => m.runId === runId && m.type === 'run_done');
  watcher.close();

  const late = await connectWs(t.base);
  late.ws.send(JSON.stringify({ type: 'subscribe', runId }));
  await late.waitFor((m) => m.runId === runId && m.type === 'run_done');
  const replayed = late.messages.filter((m) => m.runId === runId);
  checkSequence(replayed, runId);
  assert.deepEqual(replayed.map((m) => m.seq), replayed.map((_, i) => i), 'replayed events are numbered without gaps');
  late.ws.send('not json');
  assert.equal((await late.waitFor((m) => m.type === 'error')).error.code, 'E_BAD_JSON');
  late.close();

  const queue = await t.api('/api/queue');
  assert.deepEqual(queue.body, { running: null, pending: [] });
});
