import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocket, type WebSocketServer } from 'ws';
import type { EventLog, WireEvent } from './event-log';

interface Client {
  ws: WebSocket;
  clientId: string;
  /** Receives every run's events (the default) or only its own and subscribed runs. */
  all: boolean;
  runs: Set<string>;
  /** Per run, the `seq` of the last event sent to this client: a subscription replays only what came after. */
  sent: Map<string, number>;
}

/** How many runs' `sent` marks a client keeps (older ones are finished runs it will not re-subscribe to). */
const SENT_MARKS_KEPT = 256;

/** Above this many unsent bytes a client is behind: progress and previews are skipped for it. */
const SOFT_BUFFER_LIMIT = 1 << 20;
/** Above this the client is not reading at all: it is disconnected (it can reconnect and re-subscribe to replay). */
const HARD_BUFFER_LIMIT = 64 << 20;
const DROPPABLE = new Set(['progress', 'preview']);

/**
 * The websocket side: who receives which run events. Each event is serialised once and handed to every
 * interested socket without waiting (ws buffers per socket), so a slow client never delays the others.
 */
export class WsHub {
  private readonly clients = new Set<Client>();

  constructor(wss: WebSocketServer, private readonly log: EventLog, private readonly status: () => Record<string, unknown>) {
    wss.on('connection', (ws, req) => this.attach(ws, req));
  }

  get size(): number {
    return this.clients.size;
  }

  /** Sends a run event to its submitter, its subscribers and every client in "all" mode. */
  runEvent(raw: WireEvent): void {
    const event = this.log.record(raw);
    const owner = this.log.ownerOf(event.runId);
    const text = JSON.stringify(event);
    for (const c of this.clients) {
      if (!this.receives(c, event.runId, owner)) continue;
      this.send(c, text, DROPPABLE.has(event.type));
      this.markSent(c, event);
    }
  }

  private markSent(c: Client, event: WireEvent): void {
    if (typeof event.seq !== 'number') return;
    c.sent.delete(event.runId);
    c.sent.set(event.runId, event.seq);
    if (c.sent.size > SENT_MARKS_KEPT) c.sent.delete(c.sent.keys().next().value!);
  }

  /** Queue-wide news (status, queued) goes to everyone. */
  broadcast(msg: Record<string, unknown>): void {
    const text = JSON.stringify(msg);
    for (const c of this.clients) this.send(c, text, false);
  }

  close(): void {
    for (const c of this.clients) c.ws.close(1001, 'server closing');
  }

  private attach(ws: WebSocket, req: IncomingMessage): void {
    const asked = new URL(req.url ?? '/', 'http://x').searchParams.get('clientId');
    const client: Client = { ws, clientId: asked && asked.length <= 200 ? asked : randomUUID(), all: true, runs: new Set(), sent: new Map() };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
    ws.on('message', (data, isBinary) => this.onMessage(client, isBinary ? '' : data.toString()));
    this.send(client, JSON.stringify({ type: 'status', clientId: client.clientId, ...this.status() }), false);
  }

  private onMessage(client: Client, text: string): void {
    let msg: { type?: unknown; runId?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.reject(client, 'E_BAD_JSON', 'Expected a JSON message such as {"type":"subscribe","runId":"..."}.');
    }
    if ((msg.type !== 'subscribe' && msg.type !== 'unsubscribe') || typeof msg.runId !== 'string') {
      return this.reject(client, 'E_BAD_REQUEST', `Expected {"type":"subscribe"|"unsubscribe","runId":string} but received ${text.slice(0, 200)}.`);
    }
    if (msg.type === 'unsubscribe') {
      client.runs.delete(msg.runId);
      return;
    }
    if (msg.runId === '*') {
      client.all = true;
      return;
    }
    // Replay and subscribe in the same tick: no event can fall between the two, none is sent twice.
    client.all = false;
    client.runs.add(msg.runId);
    const last = client.sent.get(msg.runId) ?? -1;
    for (const e of this.log.eventsOf(msg.runId)) {
      if ((e.seq as number) <= last) continue;
      this.send(client, JSON.stringify(e), false);
      this.markSent(client, e);
    }
  }

  private receives(c: Client, runId: string, owner: string | undefined): boolean {
    return c.all || c.runs.has(runId) || (owner !== undefined && owner === c.clientId);
  }

  private reject(client: Client, code: string, message: string): void {
    this.send(client, JSON.stringify({ type: 'error', error: { code, message } }), false);
  }

  private send(c: Client, text: string, droppable: boolean): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount > HARD_BUFFER_LIMIT) {
      c.ws.terminate();
      this.clients.delete(c);
      return;
    }
    if (droppable && c.ws.bufferedAmount > SOFT_BUFFER_LIMIT) return;
    c.ws.send(text);
  }
}
