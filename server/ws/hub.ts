import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocket, type WebSocketServer } from 'ws';
import type { EventLog, WireEvent } from './event-log';

/**
 * Client frames are small commands; longer ones get a coded error. Frames over the socket's maxPayload (start.ts)
 * close that one connection (status 1009) before they reach this code; the server is unaffected.
 */
const MAX_CLIENT_MESSAGE = 4096;
const MAX_RUN_ID = 200;

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

  private markSent(client: Client, event: WireEvent): void {
    if (typeof event.seq !== 'number') return;
    client.sent.delete(event.runId);
    client.sent.set(event.runId, event.seq);
    if (client.sent.size > SENT_MARKS_KEPT) client.sent.delete(client.sent.keys().next().value!);
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
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const asked = params.get('clientId');
    const clientId = asked && asked.length <= 200 ? asked : randomUUID();
    const client: Client = { ws, clientId, all: true, runs: new Set(), sent: new Map() };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.reject(client, 'E_BAD_REQUEST', 'Expected a text frame holding JSON but received a binary frame.');
      this.onMessage(client, data.toString());
    });
    this.send(client, JSON.stringify({ type: 'status', clientId: client.clientId, ...this.status() }), false);
    // ?subscribe=RUNID subscribes as the socket opens: a client following a run that already started gets its
    // whole history in order (a subscribe message could only come after live events of that run had been sent).
    const run = params.get('subscribe');
    if (run && run.length <= 200) this.subscribe(client, run);
  }

  /**
   * Client frames are untrusted: anything but a JSON object {type: "subscribe"|"unsubscribe", runId: string} of a
   * bounded size gets a coded error event; the connection and the server carry on.
   */
  private onMessage(client: Client, text: string): void {
    if (text.length > MAX_CLIENT_MESSAGE) {
      const message = `Expected a message of at most ${MAX_CLIENT_MESSAGE} characters but received ${text.length}.`;
      return this.reject(client, 'E_BAD_REQUEST', message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.reject(client, 'E_BAD_JSON', 'Expected a JSON message such as {"type":"subscribe","runId":"..."}.');
    }
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    const msg = (isObject ? parsed : {}) as { type?: unknown; runId?: unknown };
    const knownType = msg.type === 'subscribe' || msg.type === 'unsubscribe';
    if (!knownType || typeof msg.runId !== 'string' || msg.runId.length > MAX_RUN_ID) {
      const message = `Expected {"type":"subscribe"|"unsubscribe","runId":string} but received ${text.slice(0, 200)}.`;
      return this.reject(client, 'E_BAD_REQUEST', message);
    }
    if (msg.type === 'unsubscribe') {
      client.runs.delete(msg.runId);
      return;
    }
    if (msg.runId === '*') {
      client.all = true;
      return;
    }
    this.subscribe(client, msg.runId);
  }

  /** Replay and subscribe in the same tick: no event can fall between the two, none is sent twice. */
  private subscribe(client: Client, runId: string): void {
    client.all = false;
    client.runs.add(runId);
    const last = client.sent.get(runId) ?? -1;
    for (const e of this.log.eventsOf(runId)) {
      if ((e.seq as number) <= last) continue;
      this.send(client, JSON.stringify(e), false);
      this.markSent(client, e);
    }
  }

  private receives(client: Client, runId: string, owner: string | undefined): boolean {
    return client.all || client.runs.has(runId) || (owner !== undefined && owner === client.clientId);
  }

  private reject(client: Client, code: string, message: string): void {
    this.send(client, JSON.stringify({ type: 'error', error: { code, message } }), false);
  }

  private send(client: Client, text: string, droppable: boolean): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > HARD_BUFFER_LIMIT) {
      client.ws.terminate();
      this.clients.delete(client);
      return;
    }
    if (droppable && client.ws.bufferedAmount > SOFT_BUFFER_LIMIT) return;
    client.ws.send(text);
  }
}
