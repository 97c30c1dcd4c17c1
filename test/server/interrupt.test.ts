import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectWs, graphOf, slowGraph, startTestServer, type TestServer } from './helpers';

let t: TestServer;
before(async () => {
  t = await startTestServer(undefined, { interruptGraceMs: 300 });
});
after(async () => {
  await t.server.close();
});

test('interrupting a running slow run ends it with an interrupted event and history status; the queue moves on', async () => {
  const ws = await connectWs(t.base, '?clientId=me');
  // 500 steps x 20 ms = 10 s if nobody stops it.
  const slow = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(1, 500), clientId: 'me' } });
  const pending = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(2, 1), clientId: 'me' } });
  const removed = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(3, 1), clientId: 'me' } });
  assert.deepEqual([slow.status, pending.status, removed.status], [201, 201, 201]);
  assert.deepEqual([slow.body.position, pending.body.position, removed.body.position], [0, 1, 2]);

  await ws.waitFor((m) => m.runId === slow.body.runId && m.type === 'progress');
  const queue = await t.api('/api/queue');
  assert.equal(queue.body.running.runId, slow.body.runId);
  assert.deepEqual(queue.body.pending.map((r: any) => r.runId), [pending.body.runId, removed.body.runId]);

  // A pending run cannot be interrupted (it is removed instead), and a running one cannot be removed.
  const interruptPending = await t.api('/api/interrupt', { method: 'POST', json: { runId: pending.body.runId } });
  assert.equal(interruptPending.body.error.code, 'E_RUN_NOT_RUNNING');
  assert.equal((await t.api(`/api/queue/${slow.body.runId}`, { method: 'DELETE' })).body.error.code, 'E_RUN_NOT_PENDING');
  assert.equal((await t.api('/api/queue/no-such-run', { method: 'DELETE' })).status, 404);
  const del = await t.api(`/api/queue/${removed.body.runId}`, { method: 'DELETE' });
  assert.deepEqual([del.status, del.body], [200, { removed: removed.body.runId }]);

  const res = await t.api('/api/interrupt', { method: 'POST', json: {} });
  assert.deepEqual(res.body, { interrupted: slow.body.runId });
  const ev = await ws.waitFor((m) => m.runId === slow.body.runId && m.type === 'interrupted');
  assert.equal(ev.nodeId, 'slow');
  assert.equal(ws.messages.some((m) => m.runId === slow.body.runId && m.type === 'run_done'), false);

  const hist = await t.api(`/api/history/${slow.body.runId}`);
  assert.equal(hist.body.status, 'interrupted');
  assert.deepEqual(hist.body.interrupted, { nodeId: 'slow', reason: 'user' });
  assert.equal((await t.api(`/api/history/${removed.body.runId}`)).body.interrupted.reason, 'removed');
  assert.equal((await ws.waitFor((m) => m.runId === removed.body.runId && m.type === 'interrupted')).reason, 'removed');

  await ws.waitFor((m) => m.runId === pending.body.runId && m.type === 'run_done');
  assert.equal((await t.api(`/api/history/${pending.body.runId}`)).body.status, 'ok');
  assert.deepEqual((await t.api('/api/interrupt', { method: 'POST' })).body, { interrupted: null });
  ws.close();
});

test('a node failure is reported with its code, node and inputs, in the event and in history', async () => {
  const ws = await connectWs(t.base);
  const graph = graphOf({
    fail: { type: 'TestFail', version: 1, inputs: { value: 3 } },
    sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'fail', output: 'value' } } },
  });
  const res = await t.api('/api/runs', { method: 'POST', json: { graph } });
  const ev = await ws.waitFor((m) => m.runId === res.body.runId && m.type === 'run_error');
  assert.equal(ev.code, 'E_TEST_FAILURE');
  assert.equal(ev.nodeId, 'fail');
  const hist = await t.api(`/api/history/${res.body.runId}`);
  assert.equal(hist.body.status, 'error');
  assert.equal(hist.body.error.code, 'E_TEST_FAILURE');
  assert.equal(hist.body.error.nodeType, 'TestFail');
  assert.deepEqual(hist.body.error.inputs, { value: '3' });
  ws.close();
});

test('a node that ignores the interrupt has its worker terminated after the grace period; the next run still runs', async () => {
  const ws = await connectWs(t.base);
  // TestBusy never checks for cancellation: 5 s of blocking.
  const busyGraph = graphOf({
    b: { type: 'TestBusy', version: 1, inputs: { ms: 5000 } },
    s: { type: 'TestSink', version: 1, inputs: { value: { from: 'b', output: 'value' } } },
  });
  const busy = await t.api('/api/runs', { method: 'POST', json: { graph: busyGraph } });
  const next = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(8, 1) } });
  await ws.waitFor((m) => m.runId === busy.body.runId && m.type === 'node_start');
  const t0 = performance.now();
  await t.api('/api/interrupt', { method: 'POST', json: { runId: busy.body.runId } });
  const ev = await ws.waitFor((m) => m.runId === busy.body.runId && (m.type === 'interrupted' || m.type === 'run_done'));
  assert.equal(ev.type, 'interrupted');
  // Without the kill the event would come only when the 5 s node returns; 3.5 s leaves room for a slow machine.
  assert.ok(performance.now() - t0 < 3500, 'the worker was terminated rather than waited for');
  await ws.waitFor((m) => m.runId === next.body.runId && m.type === 'run_done');
  const hist = (await t.api(`/api/history/${busy.body.runId}`)).body;
  assert.deepEqual([hist.status, hist.interrupted.reason], ['interrupted', 'user']);
  ws.close();
});

test('a run over the per-run time limit is stopped with E_RUN_TIMEOUT and the queue moves on (issue 23, item 8)', async () => {
  const limited = await startTestServer(undefined, { runTimeoutMs: 600 });
  try {
    const ws = await connectWs(limited.base);
    const busyGraph = graphOf({
      b: { type: 'TestBusy', version: 1, inputs: { ms: 10_000 } },
      s: { type: 'TestSink', version: 1, inputs: { value: { from: 'b', output: 'value' } } },
    });
    const t0 = performance.now();
    const busy = await limited.api('/api/runs', { method: 'POST', json: { graph: busyGraph } });
    const next = await limited.api('/api/runs', { method: 'POST', json: { graph: slowGraph(9, 1) } });
    const ev = await ws.waitFor((m) => m.runId === busy.body.runId && m.type === 'run_error', 8_000);
    assert.equal(ev.code, 'E_RUN_TIMEOUT');
    assert.ok(performance.now() - t0 < 6_000, 'stopped long before the 10 s node returned');
    await ws.waitFor((m) => m.runId === next.body.runId && m.type === 'run_done');
    assert.equal((await limited.api(`/api/history/${busy.body.runId}`)).body.error.code, 'E_RUN_TIMEOUT');
    ws.close();
  } finally {
    await limited.server.close();
  }
});
