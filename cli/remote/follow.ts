import { WebSocket } from 'ws';
import type { RunEvent } from '../../engine';
import { historyEntry, isObject, protocolError, type RemoteHistory } from './answers';
import type { RemoteConfig } from './config';
import { RemoteError, ServerAnswerError } from './errors';
import { authHeaders, requestJson, serverPath } from './http';
import { isTerminal, runEventOf, terminalOf } from './wire';

/** A websocket frame larger than this closes the socket (the run is then followed by polling). */
const MAX_FRAME_BYTES = 32 * 2 ** 20;

export interface FollowOptions {
  cfg: RemoteConfig;
  runId: string;
  clientId: string;
  /** Each non-terminal event of the run, in order; the next waits for the previous one's promise. */
  onEvent(event: RunEvent): Promise<void> | void;
  /** Aborted: stop following (the socket is closed, polling ends), e.g. once the command has its answer. */
  stop?: AbortSignal;
}

export class StoppedError extends Error {
  constructor() {
    super('Stopped following the run.');
    this.name = 'StoppedError';
  }
}

/** How the run ended: its terminal event, from the websocket or, when that failed, from history. */
export async function followRun(opts: FollowOptions): Promise<RunEvent> {
  const live = await followOverWebsocket(opts);
  if (live) return live;
  return (await pollHistory(opts.cfg, opts.runId, opts.stop)).terminal;
}

/**
 * Follows the run's events over `/ws?clientId=` (subscribing to the run replays what was sent before the socket
 * opened). Liveness: pings every third of the idle timeout; no frame and no pong for the idle timeout counts as a
 * drop. Resolves undefined when the socket cannot be used or drops before the end: the caller polls history then.
 * A malformed frame of this run is E_SERVER_PROTOCOL.
 */
function followOverWebsocket(opts: FollowOptions): Promise<RunEvent | undefined> {
  const { cfg, runId } = opts;
  // ?subscribe= replays the run from its first event as the socket opens, before any live event reaches it.
  const query = `ws?clientId=${encodeURIComponent(opts.clientId)}&subscribe=${encodeURIComponent(runId)}`;
  const url = new URL(serverPath(cfg, query), cfg.base);
  url.protocol = cfg.base.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise((resolve, reject) => {
    let settled = false;
    let lastSeq = -1;
    let chain: Promise<void> = Promise.resolve();
    const ws = new WebSocket(url, {
      headers: authHeaders(cfg), maxPayload: MAX_FRAME_BYTES, handshakeTimeout: cfg.connectTimeoutMs, perMessageDeflate: false,
    });
    let idle: NodeJS.Timeout | undefined;
    let ping: NodeJS.Timeout | undefined;
    const alive = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.terminate(), cfg.idleTimeoutMs);
    };
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearInterval(ping);
      ws.removeAllListeners('message');
      ws.on('error', () => undefined);
      ws.terminate();
      outcome();
    };
    const fail = (err: unknown): void => finish(() => reject(err));
    if (opts.stop?.aborted) finish(() => resolve(undefined));
    opts.stop?.addEventListener('abort', () => finish(() => resolve(undefined)), { once: true });
    ws.on('open', () => {
      alive();
      ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.ping(), Math.max(50, Math.floor(cfg.idleTimeoutMs / 3)));
      ws.send(JSON.stringify({ type: 'subscribe', runId }));
    });
    ws.on('pong', alive);
    ws.on('message', (data, isBinary) => {
      alive();
      if (isBinary) return fail(protocolError('JSON text frames on the websocket', 'a binary frame'));
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return fail(protocolError('JSON text frames on the websocket', data.toString()));
      }
      if (!isObject(frame) || typeof frame.type !== 'string') return fail(protocolError('websocket frames { type, ... }', frame));
      if (frame.runId !== runId) return; // status, queued, other runs
      if (typeof frame.seq === 'number') {
        if (frame.seq <= lastSeq) return; // a replay of something already handled
        lastSeq = frame.seq;
      }
      let event: RunEvent | undefined;
      try {
        event = runEventOf(frame, runId);
      } catch (err) {
        return fail(err);
      }
      if (!event) return;
      const terminal = isTerminal(event) ? event : undefined;
      chain = chain.then(() => (terminal ? undefined : opts.onEvent(event)));
      chain.catch(fail);
      if (terminal) void chain.then(() => finish(() => resolve(terminal)), () => undefined);
    });
    // Dropped, refused (a bare 401 on the upgrade), unreachable: polling decides, with coded errors of its own.
    const dropped = (): void => {
      clearInterval(ping);
      clearTimeout(idle);
      void chain.then(() => finish(() => resolve(undefined)), () => undefined);
    };
    ws.on('close', dropped);
    ws.on('error', dropped);
    ws.on('unexpected-response', (req) => {
      req.destroy();
      dropped();
    });
  });
}

/**
 * GET /api/history/:runId until the run is there. While the run is queued or running the server answers 404
 * E_RUN_NOT_FOUND; when it is in neither the queue nor history, the server has lost it (E_SERVER_PROTOCOL). A
 * server that stops answering is retried for the idle timeout, then its coded error stands.
 */
export async function pollHistory(cfg: RemoteConfig, runId: string, stop?: AbortSignal): Promise<{ entry: RemoteHistory; terminal: RunEvent }> {
  let lastAnswer = Date.now();
  for (;;) {
    if (stop?.aborted) throw new StoppedError();
    const entry = await historyOrNothing(cfg, runId).catch((err: unknown) => {
      const transient = err instanceof RemoteError && err.code !== 'E_SERVER_PROTOCOL';
      if (!transient || Date.now() - lastAnswer >= cfg.idleTimeoutMs) throw err;
      return null;
    });
    if (entry) return { entry, terminal: terminalOf(entry, runId) };
    if (entry === undefined) {
      lastAnswer = Date.now();
      if (!(await isQueued(cfg, runId))) {
        const late = await historyOrNothing(cfg, runId);
        if (late) return { entry: late, terminal: terminalOf(late, runId) };
        throw new RemoteError('E_SERVER_PROTOCOL', `Expected run ${runId} to be queued, running or in history, but the server knows none of it.`,
          'It may have been removed by another client, or the server lost its data folder.');
      }
    }
    await new Promise<void>((r) => {
      const timer = setTimeout(done, cfg.pollMs);
      function done(): void {
        clearTimeout(timer);
        stop?.removeEventListener('abort', done);
        r();
      }
      stop?.addEventListener('abort', done, { once: true });
    });
  }
}

/** The history entry, or undefined while the server has none (404 E_RUN_NOT_FOUND). */
async function historyOrNothing(cfg: RemoteConfig, runId: string): Promise<RemoteHistory | undefined> {
  try {
    const { body } = await requestJson(cfg, 'GET', `api/history/${encodeURIComponent(runId)}`);
    return historyEntry(body, runId);
  } catch (err) {
    if (err instanceof ServerAnswerError && err.status === 404 && err.code === 'E_RUN_NOT_FOUND') return undefined;
    throw err;
  }
}

async function isQueued(cfg: RemoteConfig, runId: string): Promise<boolean> {
  const { body } = await requestJson(cfg, 'GET', 'api/queue');
  if (!isObject(body)) throw protocolError('the queue { running, pending }', body);
  const runs = [body.running, ...(Array.isArray(body.pending) ? body.pending : []), ...(Array.isArray(body.executing) ? body.executing : [])];
  return runs.some((run) => isObject(run) && run.runId === runId);
}
