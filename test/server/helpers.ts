import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startServer, type RunningServer, type ServerOptions } from '../../server/index';
import { scratchDir } from '../helpers/scratch';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = resolve(HERE, '../..');
/** The engine-test nodes (TestSlow, TestSink, ...) and the server-test nodes (TestBusy, TestCrash). */
export const TEST_MODULES = [join(REPO_ROOT, 'test/fixtures/plugins/test-nodes.ts'), join(HERE, 'server-test-nodes.ts')];

export interface TestServer {
  server: RunningServer;
  base: string;
  dir: string;
  options: ServerOptions;
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: any }>;
}

export function tempDir(): string {
  return scratchDir('server');
}

export function testOptions(dir: string, extra: Partial<ServerOptions> = {}): ServerOptions {
  const folders = {
    outputs: join(dir, 'out'), inputs: join(dir, 'in'), residuals: join(dir, 'res'), layouts: join(dir, 'lay'),
    graphs: join(REPO_ROOT, 'graphs'),
  };
  mkdirSync(dir, { recursive: true });
  return { port: 0, dataDir: join(dir, 'data'), folders, registryModules: TEST_MODULES, ...extra };
}

export async function startTestServer(dir = tempDir(), extra: Partial<ServerOptions> = {}): Promise<TestServer> {
  const options = testOptions(dir, extra);
  const server = await startServer(options);
  const base = server.url;
  return { server, base, dir, options, api: apiClient(base) };
}

/** fetch() against a server's REST API: `json` is sent as the JSON body; the answer parsed as JSON when it is JSON. */
export function apiClient(base: string): TestServer['api'] {
  return async (path, init = {}) => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) headers.set('content-type', 'application/json');
    const res = await fetch(base + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (a served file)
    }
    return { status: res.status, body };
  };
}

export interface WsClient {
  ws: WebSocket;
  messages: any[];
  waitFor(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export async function connectWs(base: string, query = ''): Promise<WsClient> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws${query}`);
  const messages: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  return {
    ws,
    messages,
    waitFor: (pred, timeoutMs = 15_000) => {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const timedOut = () => rej(new Error(`timed out waiting for a websocket message; got ${JSON.stringify(messages.slice(-5))}`));
        const timer = setTimeout(timedOut, timeoutMs);
        waiters.push({ pred, resolve: (m) => { clearTimeout(timer); res(m); } });
      });
    },
    close: () => ws.close(),
  };
}

export const TERMINAL = new Set(['run_done', 'run_error', 'interrupted']);

/** A graph of TestSlow (steps x 20 ms, with progress) feeding TestSink. */
export function slowGraph(value: number, steps = 2): Record<string, unknown> {
  return {
    format: 'cones-graph',
    version: 1,
    nodes: {
      slow: { type: 'TestSlow', version: 1, inputs: { steps, value } },
      sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'slow', output: 'value' } } },
    },
  };
}

export function graphOf(nodes: Record<string, unknown>): Record<string, unknown> {
  return { format: 'cones-graph', version: 1, nodes };
}
