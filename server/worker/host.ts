import { Worker } from 'node:worker_threads';
import type { BackendHandlers, BackendState, ExecutionBackend } from '../backend';
import type { FromWorker, RunJob, RunOutcome, ToWorker, WorkerData } from './protocol';

export type WorkerHandlers = BackendHandlers;
export type WorkerState = BackendState;

const ENTRY = new URL('./entry.mjs', import.meta.url);
const WORKER_MODULE = new URL('./engine-worker.ts', import.meta.url).href;

/**
 * The main thread's handle on the execution worker. The worker is started lazily and restarted after a
 * crash; a crash during a run ends that run with E_WORKER_CRASHED, and the next run gets a fresh worker
 * (with a cold cache).
 */
export class WorkerHost implements ExecutionBackend {
  readonly capacity = 1;
  readonly durable = false;
  private worker?: Worker;
  private starting?: Promise<Worker>;
  private current?: string;
  /** Set when we terminate the worker on purpose: the outcome reported for the run it was executing. */
  private killOutcome?: RunOutcome;
  private stopped = false;
  /** An interrupt that arrived while the worker was still starting: sent right after the run. */
  private earlyInterrupt?: string;
  private readonly data: WorkerData;

  constructor(data: Omit<WorkerData, 'workerModule'>, private readonly handlers: WorkerHandlers) {
    this.data = { ...data, workerModule: WORKER_MODULE };
  }

  get state(): WorkerState {
    if (this.stopped) return 'stopped';
    if (this.worker) return 'ready';
    return this.starting ? 'starting' : 'idle';
  }

  get runningId(): string | undefined {
    return this.current;
  }

  /** Starts the worker (if needed) and waits until its registry is built. */
  start(): Promise<Worker> {
    if (this.stopped) return Promise.reject(new Error('the server is stopping'));
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async run(job: RunJob): Promise<void> {
    this.current = job.runId;
    let worker: Worker;
    try {
      worker = await this.start();
    } catch (err) {
      this.finish(job.runId, crashed(`The execution worker could not start: ${(err as Error).message}`));
      return;
    }
    if (this.current !== job.runId) return;
    this.send(worker, { type: 'run', job });
    if (this.earlyInterrupt === job.runId) this.send(worker, { type: 'interrupt', runId: job.runId });
    this.earlyInterrupt = undefined;
  }

  interrupt(runId: string): void {
    if (this.current !== runId) return;
    if (this.worker) this.send(this.worker, { type: 'interrupt', runId });
    else this.earlyInterrupt = runId;
  }

  /** Ends the worker now (a node ignoring interruption, or shutdown); the running job gets `outcome`. */
  async kill(outcome: RunOutcome): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.killOutcome = outcome;
    await worker.terminate();
  }

  async stop(outcome: RunOutcome): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await this.kill(outcome);
  }

  private send(worker: Worker, msg: ToWorker): void {
    worker.postMessage(msg);
  }

  private spawn(): Promise<Worker> {
    const worker = new Worker(ENTRY, { workerData: this.data, execArgv: workerExecArgv(process.execArgv) });
    let lastError: Error | undefined;
    return new Promise<Worker>((resolve, reject) => {
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          this.worker = worker;
          resolve(worker);
        } else if (msg.type === 'fatal') {
          lastError = new Error(msg.message);
          void worker.terminate();
        } else if (msg.type === 'event') {
          this.handlers.onEvent(msg.event);
        } else if (msg.type === 'done') {
          this.finish(msg.runId, msg.outcome);
        }
      });
      worker.on('error', (err) => (lastError = err));
      worker.on('exit', (code) => {
        reject(lastError ?? new Error(`worker exited with code ${code} before it was ready`));
        if (this.worker === worker) this.worker = undefined;
        const reason = lastError ? `: ${lastError.message}` : '';
        const outcome = this.killOutcome ?? crashed(`The execution worker died (exit code ${code}${reason}).`);
        this.killOutcome = undefined;
        if (this.current) this.finish(this.current, outcome);
      });
    });
  }

  private finish(runId: string, outcome: RunOutcome): void {
    if (this.current !== runId) return;
    this.current = undefined;
    this.handlers.onDone(runId, outcome);
  }
}

/**
 * The process's flags minus those a worker rejects (`--input-type` exists only for --eval code). The worker
 * does not need `--import tsx`: entry.mjs registers tsx itself.
 */
function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input-type') i++;
    else if (!argv[i].startsWith('--input-type=')) out.push(argv[i]);
  }
  return out;
}

function crashed(message: string): RunOutcome {
  return { status: 'error', error: { code: 'E_WORKER_CRASHED', message } };
}
