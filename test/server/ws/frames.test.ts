/** Untrusted websocket frames (issue 23, item 1): every malformed frame gets a coded error; nothing kills the server. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connectWs, slowGraph, startTestServer } from '../helpers';

const FRAMES: Array<[string, string | Buffer, boolean]> = [
  ['null', 'null', false], ['a number', '1', false], ['a string', '"x"', false], ['an array', '[]', false],
  ['an empty object', '{}', false], ['a null type', '{"type":null}', false], ['a null runId', '{"type":"subscribe","runId":null}', false],
  ['a prototype key', '{"type":"__proto__","runId":"x"}', false], ['not JSON', '{"type":', false], ['empty', '', false],
  ['a binary frame', Buffer.from([1, 2, 3]), true], ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false],
  ['a 100 KB text frame', `{"type":"subscribe","runId":"${'x'.repeat(100_000)}"}`, false],
  ['a very long runId', `{"type":"subscribe","runId":"${'y'.repeat(300)}"}`, false],
];

test('malformed frames get coded error events; the connection and the server live on', async () => {
  const t = await startTestServer();
  after(() => t.server.close());
  const ws = await connectWs(t.base, '?clientId=attacker');
  await ws.waitFor((m) => m.type === 'status');
  for (const [name, frame, binary] of FRAMES) {
    const before = ws.messages.length;
    ws.ws.send(frame, { binary });
    const reply = await ws.waitFor((m) => ws.messages.indexOf(m) >= before && m.type === 'error', 5_000);
    assert.match(reply.error.code, /^E_BAD_(JSON|REQUEST)$/, name);
    assert.ok(JSON.stringify(reply).length < 1_000, `${name}: the answer is bounded`);
  }
  // Still connected and served: a run submitted now streams its events to this client.
  const res = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(1, 1), clientId: 'attacker' } });
  assert.equal(res.status, 201);
  await ws.waitFor((m) => m.runId === res.body.runId && m.type === 'run_done');
  ws.close();
});

test('a frame over 1 MiB closes only its own connection (1009); the server keeps serving', async () => {
  const t = await startTestServer();
  after(() => t.server.close());
  const ws = await connectWs(t.base);
  const closed = new Promise<number>((resolve) => ws.ws.once('close', (code) => resolve(code)));
  ws.ws.send('x'.repeat(2 * 1024 * 1024));
  assert.equal(await closed, 1009);
  assert.equal((await t.api('/api/health')).status, 200);
  const again = await connectWs(t.base);
  await again.waitFor((m) => m.type === 'status');
  again.close();
});
