import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../../helpers/scratch';
import { REPO_ROOT, TEST_MODULES } from '../helpers';

/** A `cones worker` child process, started exactly as users start one (`node bin/cones.mjs worker ...`). */
export interface TestWorker {
  child: ChildProcess;
  id: string;
  lines: string[];
  /** Resolves with the line once the worker prints one matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  /** What it printed on stderr so far. */
  stderr(): string;
}

/** A short lock so a killed worker's run is retried within a few seconds (the default is 30 s). */
export const TEST_LOCK_MS = 1500;

/** The workers' temp folder: the scratch of the workers a test SIGKILLs goes with the test's own (at exit). */
let workersTmp: string | undefined;

/** The worker's environment: the test's, plus `env` (a key set to undefined is removed). */
function workerEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  workersTmp ??= scratchDir('workers');
  const merged: Record<string, string | undefined> = {
    ...process.env, NODE_OPTIONS: '', CONES_WORKER_LOCK_MS: String(TEST_LOCK_MS), CONES_CPU_THREADS: '1', TMPDIR: workersTmp, ...env,
  };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged;
}

function spawnWorker(redisUrl: string, extra: string[], env: Record<string, string | undefined>): ChildProcess {
  const args = ['bin/cones.mjs', 'worker', '--redis', redisUrl, ...TEST_MODULES.flatMap((m) => ['--plugin', m]), ...extra];
  return spawn(process.execPath, args, { cwd: REPO_ROOT, env: workerEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startWorker(redisUrl: string, extra: string[] = [], env: Record<string, string | undefined> = {}): Promise<TestWorker> {
  const child = spawnWorker(redisUrl, extra, env);
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (l: string) => void }> = [];
  let buffered = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitForLine = (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker printed no line matching ${pattern}; stdout: ${lines.join('\n')}\nstderr: ${stderr}`)), timeoutMs);
      waiters.push({ pattern, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      void exited.then((code) => reject(new Error(`worker exited with ${code} before printing ${pattern}; stderr: ${stderr}`)));
    });
  };
  const ready = await waitForLine(/ready on/);
  const id = /\[worker\] (\S+) ready/.exec(ready)![1];
  return { child, id, lines, waitForLine, exited, stderr: () => stderr };
}

/**
 * A worker expected to exit by itself (it cannot start): its exit code, output and how long it ran. SIGKILLed and
 * reported with `code` null if it is still running after `timeoutMs`.
 */
export async function workerExit(redisUrl: string, env: Record<string, string | undefined> = {}, timeoutMs = 30_000): Promise<{
  code: number | null; stdout: string; stderr: string; ms: number;
}> {
  const t0 = performance.now();
  const child = spawnWorker(redisUrl, [], env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  return { code, stdout, stderr, ms: performance.now() - t0 };
}

export async function stopWorker(w: TestWorker): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGKILL');
  await w.exited;
}

/** shapes-single.json with few steps and a chosen seed (so runs are cheap and none is a pure cache hit). */
export function shapesGraph(seed: number, steps = 3): Record<string, any> {
  const graph = JSON.parse(readFileSync(join(REPO_ROOT, 'graphs/shapes-single.json'), 'utf8'));
  graph.nodes.sampler.inputs.steps = steps;
  graph.nodes.seed.inputs.value = seed;
  return graph;
}

/**
 * shapesGraph behind a TestSlow node (`slowSteps` x 20 ms, with progress) that runs first: the run is busy for a
 * known time before it writes its PNG, so a test can act (kill Redis, the server) while it executes.
 */
export function slowShapesGraph(seed: number, slowSteps: number): Record<string, any> {
  const shapes = shapesGraph(seed);
  return {
    format: 'cones-graph',
    version: 1,
    nodes: {
      // First in the graph, so first in the engine's order (ties follow the graph's node order).
      slow: { type: 'TestSlow', version: 1, inputs: { steps: slowSteps, value: seed } },
      sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'slow', output: 'value' } } },
      ...shapes.nodes,
    },
  };
}

/**
 * How many times each run was recorded in `dataDir/history.jsonl` (the file, not GET /api/history, whose in-memory
 * index keeps one entry per run id even when a run was recorded twice).
 */
export function recordedTimes(dataDir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(dataDir, 'history.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const runId = (JSON.parse(line) as { runId: string }).runId;
    counts.set(runId, (counts.get(runId) ?? 0) + 1);
  }
  return counts;
}
