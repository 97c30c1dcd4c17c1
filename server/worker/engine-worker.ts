import { parentPort, workerData } from 'node:worker_threads';
import { Engine, GraphValidationError, InterruptedError, NodeRunError, type RunEvent } from '../../engine';
import { buildNodeRegistry } from '../../nodes/registry';
import type { FromWorker, RunJob, RunOutcome, ToWorker, WorkerData } from './protocol';

/**
 * The execution thread: one long-lived Engine (so its node cache spans runs), one run at a time.
 * Node code, including onnxruntime's synchronous session.run(), blocks only this thread.
 */
const port = parentPort!;
const data = workerData as WorkerData;
const post = (msg: FromWorker): void => port.postMessage(msg);
const controllers = new Map<string, AbortController>();

async function main(): Promise<void> {
  let engine: Engine;
  try {
    engine = new Engine(await buildNodeRegistry(data.registryModules));
  } catch (err) {
    post({ type: 'fatal', message: (err as Error).message });
    return;
  }
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'interrupt') controllers.get(msg.runId)?.abort();
    else if (msg.type === 'run') void execute(engine, msg.job);
  });
  post({ type: 'ready' });
}

async function execute(engine: Engine, job: RunJob): Promise<void> {
  const controller = new AbortController();
  controllers.set(job.runId, controller);
  const outcome = await runJob(engine, job, controller.signal);
  controllers.delete(job.runId);
  post({ type: 'done', runId: job.runId, outcome });
}

async function runJob(engine: Engine, job: RunJob, signal: AbortSignal): Promise<RunOutcome> {
  try {
    const summary = await engine.run(job.graph, {
      runId: job.runId,
      outputs: job.outputs,
      overrides: job.overrides,
      signal,
      outputDir: job.outputDir,
      searchPaths: data.searchPaths,
      libraries: data.libraries,
      confine: data.confine,
      runInfo: { graph: job.graph },
      onEvent: (event: RunEvent) => post({ type: 'event', event }),
    });
    return { status: 'ok', ms: summary.ms, executed: summary.executed, cached: summary.cached, ui: summary.ui };
  } catch (err) {
    if (err instanceof InterruptedError) return { status: 'interrupted', nodeId: err.nodeId };
    if (err instanceof GraphValidationError) {
      return { status: 'error', error: { code: err.code, message: err.message, issues: err.issues } };
    }
    if (err instanceof NodeRunError) {
      return {
        status: 'error', error: { code: err.code, message: err.message, nodeId: err.nodeId, nodeType: err.nodeType, inputs: err.inputs },
      };
    }
    const e = err as { code?: unknown; message?: unknown };
    return { status: 'error', error: { code: typeof e?.code === 'string' ? e.code : 'E_NODE_FAILED', message: String(e?.message ?? err) } };
  }
}

void main();
