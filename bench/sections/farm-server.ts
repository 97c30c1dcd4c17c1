/**
 * A cones server started in the bench process (with --redis: the front of a farm; without: its own worker thread) and
 * a websocket client that times runs from POST /api/runs to their `run_done`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../server/index';
import { ROOT } from '../args';
import { BENCH_CODES, BenchError } from '../codes';

export interface BenchServer {
  /** Submits the graphs at once; resolves when every one has ended `run_done`. */
  runAll(graphs: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** graphs/two-subjects-layout.json (layout + self-recurrence, PNG saved) with `steps` and a seed. */
export function twoSubjects(steps: number, seed: number): Record<string, any> {
  const graph = JSON.parse(readFileSync(join(ROOT, 'graphs', 'two-subjects-layout.json'), 'utf8'));
  graph.nodes.sampler.inputs.steps = steps;
  graph.nodes.seed.inputs.value = seed;
  return graph;
}

export async function startBenchServer(dir: string, redisUrl?: string): Promise<BenchServer> {
  const folders = {
    outputs: join(dir, 'out'), inputs: join(dir, 'in'), residuals: join(dir, 'res'), layouts: join(dir, 'lay'), graphs: join(ROOT, 'graphs'),
  };
  mkdirSync(dir, { recursive: true });
  const server: RunningServer = await startServer({ port: 0, dataDir: join(dir, 'data'), folders, redisUrl, noWorkerGraceMs: 120_000 });
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const ended = new Map<string, { type: string; message?: string }>();
  const waiters = new Map<string, () => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; runId?: string; message?: string };
    if (!m.runId || !['run_done', 'run_error', 'interrupted'].includes(m.type)) return;
    ended.set(m.runId, m);
    waiters.get(m.runId)?.();
  });
  const runOne = async (graph: unknown): Promise<void> => {
    const res = await fetch(`${server.url}/api/runs`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph }),
    });
    const body = (await res.json()) as { runId?: string; error?: { code: string; message: string } };
    if (res.status !== 201 || !body.runId) {
      throw new BenchError(BENCH_CODES.check, `Expected POST /api/runs to answer 201 but it answered ${res.status}: ${JSON.stringify(body)}`);
    }
    const runId = body.runId;
    if (!ended.has(runId)) await new Promise<void>((resolve) => waiters.set(runId, resolve));
    waiters.delete(runId);
    const end = ended.get(runId)!;
    ended.delete(runId);
    if (end.type !== 'run_done') {
      throw new BenchError(BENCH_CODES.check, `Expected run ${runId} to end run_done but it ended ${end.type}: ${end.message ?? ''}`);
    }
  };
  return {
    runAll: async (graphs) => {
      await Promise.all(graphs.map(runOne));
    },
    close: async () => {
      ws.close();
      await server.close();
    },
  };
}
