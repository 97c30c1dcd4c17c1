import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdir } from 'node:fs/promises';
import { WebSocketServer } from 'ws';
import { createApp } from './app';
import type { AppContext } from './context';
import { searchBases } from './graph-paths';
import { hasToken, localOriginProblem } from './http/auth';
import { resolveOptions, type ServerOptions } from './options';
import { buildNodeRegistry } from '../nodes/registry';
import type { BackendHandlers, ExecutionBackend } from './backend';
import { Runner } from './runner';
import { WorkerHost } from './worker/host';
import { HistoryStore } from './store/history';
import { RunQueue } from './store/run-queue';
import { EventLog } from './ws/event-log';
import { WsHub } from './ws/hub';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops listening, interrupts the running run (recorded as interrupted), keeps pending runs on disk. With --redis,
   *  runs executing on workers are left running and the next server started on the same data folder re-attaches. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP + websocket server. Validation and the API live in this thread; graphs execute in one
 * long-lived worker thread. Throws E_TOKEN_REQUIRED / E_BAD_OPTIONS / E_PLUGIN_LOAD (and with --redis E_REDIS_AUTH /
 * E_REDIS_TLS) before listening.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const opts = resolveOptions(options);
  if (opts.redisUrl) {
    // A Redis that refuses the password or whose certificate is not trusted stops the start here (E_REDIS_AUTH,
    // E_REDIS_TLS); one that is down does not (the farm's connections retry).
    const { probeRedis } = await import('./farm/redis-probe');
    await probeRedis(opts.redisUrl);
  }
  const registry = await buildNodeRegistry(opts.registryModules);
  await mkdir(opts.dataDir, { recursive: true });
  for (const name of ['outputs', 'inputs', 'residuals', 'layouts'] as const) await mkdir(opts.folders[name], { recursive: true });

  // A farm's runs outlive this process: those it was following are re-attached to, not recorded as interrupted.
  const { queue, orphans } = await RunQueue.open(opts.dataDir, { resumeRunning: Boolean(opts.redisUrl) });
  const history = await HistoryStore.open(opts.dataDir, opts.historyLimit);
  // A run resumed from queue.json that history already holds ended just before the previous server stopped.
  for (const run of queue.list()) if (history.get(run.runId)) queue.remove(run.runId);
  const log = new EventLog();
  // Invalid UTF-8 is decoded with replacement characters and answered like any malformed frame, instead of closing
  // the connection; frames over 1 MiB close their connection (see ws/hub.ts).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, skipUTF8Validation: true });
  const bases = searchBases(opts.folders);
  // The hub reports the runner's status and the runner feeds the hub: the hub reads it lazily.
  let runner: Runner | undefined;
  const hub = new WsHub(wss, log, () => runner!.status());
  // Runs execute in this process's worker thread, or (--redis) on a farm of `cones worker` processes. The farm's
  // modules (BullMQ, ioredis) are loaded only then.
  let makeBackend: (handlers: BackendHandlers) => ExecutionBackend;
  if (opts.redisUrl) {
    const { RemoteBackend } = await import('./farm/remote-backend');
    const url = opts.redisUrl;
    const modelBases = bases.map((b) => b.base);
    makeBackend = (h) => new RemoteBackend(url, registry, opts.libraries, opts.folders.outputs, opts.noWorkerGraceMs, h, modelBases);
  } else {
    const data = { registryModules: opts.registryModules, libraries: opts.libraries, searchPaths: bases.map((b) => b.base), confine: bases.map((b) => b.root) };
    makeBackend = (h) => new WorkerHost(data, h);
  }
  const r = new Runner(queue, history, log, hub, opts.folders, opts.interruptGraceMs, opts.runTimeoutMs, makeBackend);
  runner = r;
  for (const orphan of orphans) r.recordOrphan(orphan);

  const ctx: AppContext = { opts, registry, bases, runner: r, queue, history, startedAt: Date.now() };
  const server = createServer(createApp(ctx));
  server.on('upgrade', (req, socket, head) => upgrade(req, socket, head));
  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const refusal = path !== '/ws' ? '404 Not Found'
      : opts.token ? (hasToken(opts.token, req) ? undefined : '401 Unauthorized')
      : localOriginProblem(req) ? '403 Forbidden' : undefined;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  // Start the worker (or connect to the farm) now so the first run does not wait for it; a failure surfaces on that run.
  r.backend.start().catch((err: Error) => console.error(`[server] execution backend failed to start: ${err.message}`));
  r.pump();

  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: async () => {
      hub.close();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await r.close();
      await closed;
      await history.flush();
      await new Promise((resolve) => setImmediate(resolve)); // let the queue forget the runs history now holds
      await queue.flush();
    },
  };
}
