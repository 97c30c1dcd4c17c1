import type { RunEvent } from '../engine';
import type { RunJob, RunOutcome } from './worker/protocol';

export interface BackendHandlers {
  onEvent(event: RunEvent): void;
  /** A farm run is executing on a worker: its first message arrived, possibly without the run_start a server
   *  re-attached after a restart missed. Idempotent; the local worker thread reports run_start instead. */
  onStarted?(runId: string): void;
  /** Called exactly once per job given to run() that was accepted: finished, failed, interrupted, or lost. */
  onDone(runId: string, outcome: RunOutcome): void;
}

export type BackendState = 'idle' | 'starting' | 'ready' | 'stopped';

/**
 * Where the Runner sends runs to execute. Two implementations: the server's own worker thread
 * (`worker/host.ts`, one run at a time) and a farm of `cones worker` processes behind BullMQ + Redis
 * (`farm/remote-backend.ts`, many at once). The Runner keeps the queue, history and events; a backend only executes.
 */
export interface ExecutionBackend {
  /** How many runs it executes at once; the Runner hands it at most that many. */
  readonly capacity: number;
  /** True when run() resolves only once the job is durably stored (the server may acknowledge the run after that);
   *  then a rejected run() means the run was not accepted and onDone is not called for it. */
  readonly durable: boolean;
  /** True when runs keep executing after this server stops (a farm): stop() leaves them running, the Runner keeps them
   *  in queue.json, and the next server re-attaches to them instead of recording them interrupted. */
  readonly outlivesServer?: boolean;
  readonly state: BackendState;
  /** Prepares (starts the worker, connects); a failure surfaces on the first run. */
  start(): Promise<unknown>;
  /** `acknowledged` (durable backends): true when the run was acknowledged already (resumed after a restart, or
   *  dispatched for no waiting submitter); a durable backend then keeps trying to store it rather than refusing it. */
  run(job: RunJob, acknowledged?: () => boolean): Promise<void>;
  /** Asks the run to stop; it ends through onDone as interrupted (or finished, if it was about to). */
  interrupt(runId: string): void;
  /** Takes back a run no worker has started yet; true when it was taken back (onDone is then not called). */
  withdraw?(runId: string): Promise<boolean>;
  /** Ends a run now, whatever it is doing (ignored interrupt, time limit); it ends with `outcome`. */
  kill(outcome: RunOutcome, runId?: string): Promise<void>;
  /** A run this server will never collect (recorded as interrupted at startup): drop it from the backend. */
  discard?(runId: string): void;
  /** Stops executing; runs still in progress end with `outcome` (unless the backend `outlivesServer`). */
  stop(outcome: RunOutcome): Promise<void>;
  /** Extra fields for GET /api/health. */
  health?(): Record<string, unknown>;
}
