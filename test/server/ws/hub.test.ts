import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { WebSocket, type WebSocketServer } from 'ws';
import { EventLog } from '../../../server/ws/event-log';
import { WsHub } from '../../../server/ws/hub';

/** A socket stand-in whose unsent-bytes counter the test controls. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: any[] = [];
  terminated = false;
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = WebSocket.CLOSED;
  }
  close(): void {
    this.readyState = WebSocket.CLOSED;
  }
}

function setup() {
  const wss = new EventEmitter() as unknown as WebSocketServer;
  const log = new EventLog();
  const hub = new WsHub(wss, log, () => ({ queue: { running: 0, pending: 0 } }));
  const connect = (clientId: string) => {
    const s = new FakeSocket();
    wss.emit('connection', s, { url: `/ws?clientId=${clientId}` });
    return s;
  };
  return { hub, log, connect };
}

test('a client that stops reading loses only progress, then is disconnected; the others get everything', () => {
  const { hub, log, connect } = setup();
  const fast = connect('fast');
  const slow = connect('slow');
  log.open('r1', 'fast');
  slow.bufferedAmount = 2 << 20; // behind: over the 1 MB soft limit
  hub.runEvent({ type: 'run_start', runId: 'r1' });
  hub.runEvent({ type: 'progress', runId: 'r1', value: 1, max: 2 });
  hub.runEvent({ type: 'node_done', runId: 'r1', nodeId: 'n' });
  assert.deepEqual(fast.sent.slice(1).map((m) => m.type), ['run_start', 'progress', 'node_done']);
  assert.deepEqual(slow.sent.slice(1).map((m) => m.type), ['run_start', 'node_done'], 'lifecycle events are never skipped');
  slow.bufferedAmount = 100 << 20; // not reading at all: over the hard limit
  hub.runEvent({ type: 'run_done', runId: 'r1' });
  assert.equal(slow.terminated, true);
  assert.equal(hub.size, 1);
  assert.deepEqual(fast.sent.at(-1), { type: 'run_done', runId: 'r1', seq: 3 });
});

test('subscribing narrows the stream to own and subscribed runs, replaying only what was not sent', () => {
  const { hub, log, connect } = setup();
  const a = connect('a');
  log.open('mine', 'a');
  log.open('other', 'b');
  hub.runEvent({ type: 'run_start', runId: 'other' });
  a.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', runId: 'mine' })), false);
  hub.runEvent({ type: 'run_start', runId: 'mine' });
  hub.runEvent({ type: 'node_start', runId: 'other' });
  a.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', runId: 'other' })), false);
  hub.runEvent({ type: 'run_done', runId: 'other' });
  const got = a.sent.slice(1).map((m) => `${m.runId}:${m.type}:${m.seq}`);
  assert.deepEqual(got, ['other:run_start:0', 'mine:run_start:0', 'other:node_start:1', 'other:run_done:2']);
});
