import { join } from 'node:path';
import type { RunEvent, UiOutput } from '../engine';
import type { BackendHandlers, ExecutionBackend } from './backend';
import { ServerError } from './codes';
import { pathsToUrls } from './file-urls';
import type { FolderName } from './options';
import type { HistoryEntry, HistoryStore } from './store/history';
import type { RunQueue, RunRecord } from './store/run-queue';
import { toWire, type EventLog, type WireEvent } from './ws/event-log';
import type { WsHub } from './ws/hub';
import type { RunOutcome } from './worker/protocol';

const TERMINAL = new Set(['run_done', 'run_error', 'interrupted']);

interface Current {
  run: RunRecord;
  ui: Record<string, UiOutput>;
  files: string[];
  /** A worker is executing it (false while a farm job waits in Redis for a free worker). */
  started: boolean;
  /** The worker's terminal event, held back until the history entry is written (so a client that reacts
   *  to run_done by fetching /api/history/:runId always finds it). */
  terminal?: WireEvent;
  /** Set when the run was taken back from the backend before it started (DELETE /api/queue/:runId). */
  removed?: boolean;
  interruptTimer?: NodeJS.Timeout;
  timeLimit?: NodeJS.Timeout;
}

export interface QueueView {
  running: RunRecord | null;
  pending: RunRecord[];
  /** Every run a worker is executing; only with a backend that executes several at once. */
  executing?: RunRecord[];
}

/**
 * Moves runs from the queue through the execution backend into history, forwarding every event to the hub. The
 * backend (the server's worker thread, or a farm of workers behind Redis) only executes; the queue file, history,
 * events, interrupts and time limits are handled here the same way for both.
 */
export class Runner {
  private readonly running = new Map<string, Current>();
  private closing = false;
  readonly backend: ExecutionBackend;
  /** Submissions waiting for a durable backend to accept their run: a refusal withdraws the run (never acknowledged). */
  private readonly awaiting = new Set<string>();
  private readonly dispatches = new Map<string, Promise<void>>();

  constructor(
    private readonly queue: RunQueue,
    private readonly history: HistoryStore,
    private readonly log: EventLog,
    private readonly hub: WsHub,
    private readonly folders: Record<FolderName, string>,
    /** How long a run may ignore an interrupt before its worker is terminated. */
    private readonly interruptGraceMs: number,
    /** Longest a run may take before it is stopped with E_RUN_TIMEOUT (0 = no limit). */
    private readonly runTimeoutMs: number,
    makeBackend: (handlers: BackendHandlers) => ExecutionBackend,
  ) {
    this.backend = makeBackend({
      onEvent: (e) => this.onEvent(e), onStarted: (id) => this.onStarted(id), onDone: (id, outcome) => this.onDone(id, outcome),
    });
  }

  /** True when the backend executes several runs at once (a farm). */
  private get parallel(): boolean {
    return this.backend.capacity > 1;
  }

  status(): { queue: { running: number; pending: number }; runningId: string | null } {
    if (!this.parallel) return { queue: this.queue.size, runningId: this.queue.current?.runId ?? null };
    const view = this.queueView();
    return { queue: { running: view.executing!.length, pending: view.pending.length }, runningId: view.running?.runId ?? null };
  }

  /** GET /api/queue: the running run, then the waiting ones in order (a farm's jobs waiting for a worker first). */
  queueView(): QueueView {
    if (!this.parallel) return { running: this.queue.current, pending: this.queue.list() };
    const dispatched = this.queue.runningList();
    const executing = dispatched.filter((r) => this.running.get(r.runId)?.started);
    const waiting = dispatched.filter((r) => !this.running.get(r.runId)?.started);
    return { running: executing[0] ?? null, pending: [...waiting, ...this.queue.list()], executing };
  }

  /** True when the run was handed to the backend (it can be interrupted, not removed from the local queue). */
  isRunning(runId: string): boolean {
    return this.running.has(runId);
  }

  /**
   * Queues a validated run; returns how many runs are ahead of it. Resolves once the run is durable (on disk, and
   * with a farm also in Redis): only then may it be acknowledged. E_DATA_DIR_UNWRITABLE / E_REDIS_UNAVAILABLE otherwise.
   */
  async submit(run: RunRecord): Promise<number> {
    const position = await this.queue.add(run);
    this.log.open(run.runId, run.clientId);
    if (this.backend.durable) this.awaiting.add(run.runId);
    this.pump();
    const dispatched = this.dispatches.get(run.runId);
    if (dispatched && this.awaiting.has(run.runId)) {
      try {
        await dispatched;
      } catch (err) {
        this.running.delete(run.runId);
        this.queue.withdraw(run.runId);
        this.log.close(run.runId);
        throw new ServerError('E_REDIS_UNAVAILABLE', `The run could not be stored in Redis (${(err as Error).message}); it was not queued.`, {
          hint: 'Check that the Redis server given to --redis is reachable; runs are accepted again once it is.',
        });
      } finally {
        this.awaiting.delete(run.runId);
      }
    }
    this.awaiting.delete(run.runId);
    this.hub.broadcast({ type: 'queued', runId: run.runId, clientId: run.clientId ?? null, position });
    this.broadcastStatus();
    return position;
  }

  /** Removes a waiting run: it ends as interrupted (reason "removed") without having started. */
  async remove(runId: string): Promise<boolean> {
    const run = this.queue.remove(runId);
    if (run) {
      void this.record(run, { ui: {}, files: [] }, { status: 'interrupted', interrupted: { reason: 'removed' } }).catch(() => undefined);
      this.hub.runEvent({ type: 'interrupted', runId, reason: 'removed' });
      this.log.close(runId);
      this.broadcastStatus();
      return true;
    }
    // A farm job still waiting in Redis for a worker can be taken back as long as no worker has claimed it.
    const cur = this.running.get(runId);
    if (!cur || cur.started || !this.backend.withdraw || !(await this.backend.withdraw(runId))) return false;
    cur.removed = true;
    cur.terminal = { type: 'interrupted', runId, reason: 'removed' };
    this.onDone(runId, { status: 'interrupted' });
    return true;
  }

  interrupt(runId: string): void {
    const cur = this.running.get(runId);
    if (!cur) return;
    // A farm job no worker has taken yet never started: it is withdrawn as DELETE /api/queue would (reason
    // "removed"), unless a worker claims it meanwhile, and then it is interrupted like any running run.
    if (!cur.started && this.backend.withdraw) {
      void this.remove(runId).then((removed) => { if (!removed) this.interruptRunning(runId); }, () => this.interruptRunning(runId));
      return;
    }
    this.interruptRunning(runId);
  }

  private interruptRunning(runId: string): void {
    const cur = this.running.get(runId);
    if (!cur) return;
    this.backend.interrupt(runId);
    cur.interruptTimer ??= setTimeout(() => void this.backend.kill({ status: 'interrupted' }, runId), this.interruptGraceMs).unref();
  }

  /** Ends a run over the time limit: its worker is terminated (a stuck node cannot refuse) and the queue moves on. */
  private timeOut(runId: string): void {
    if (!this.running.has(runId)) return;
    const seconds = Math.round(this.runTimeoutMs / 1000);
    const message = `The run took longer than the server's limit of ${seconds} s and was stopped.`;
    void this.backend.kill({ status: 'error', error: { code: 'E_RUN_TIMEOUT', message } }, runId);
  }

  /**
   * Settles a run that was executing or ending when a previous server process stopped: one history already holds
   * finished (it ended, but the queue file was not updated yet) is left as it is; any other is recorded interrupted.
   */
  recordOrphan(run: RunRecord): void {
    this.backend.discard?.(run.runId);
    const recorded = this.history.get(run.runId)
      ? Promise.resolve()
      : this.record(run, { ui: {}, files: [] }, { status: 'interrupted', interrupted: { reason: 'server_stopped' } });
    void recorded.then(() => this.queue.forget(run.runId), () => undefined);
  }

  pump(): void {
    while (!this.closing) {
      const run = this.queue.start(this.backend.capacity);
      if (!run) return;
      // With one run at a time the dispatched run is the running one; a farm's job runs once a worker takes it.
      this.running.set(run.runId, { run, ui: {}, files: [], started: !this.parallel });
      this.log.open(run.runId, run.clientId);
      const job = {
        runId: run.runId, graph: run.graph, outputs: run.outputs, outputDir: join(this.folders.outputs, run.runId), clientId: run.clientId,
      };
      // Acknowledged = no submitter waits for this dispatch (a resumed run, or one queued earlier): a durable backend
      // keeps trying to store it while Redis is unreachable instead of refusing it.
      const dispatched = this.backend.run(job, () => !this.awaiting.has(run.runId));
      this.dispatches.set(run.runId, dispatched);
      dispatched.then(() => this.dispatches.delete(run.runId), (err: Error) => {
        this.dispatches.delete(run.runId);
        // A run acknowledged earlier that Redis refuses (an error reply, not an outage) ends with the reason; one
        // dropped because the server stops stays in queue.json for the next server.
        if (!this.awaiting.has(run.runId) && !this.closing) {
          this.onDone(run.runId, { status: 'error', error: { code: 'E_REDIS_UNAVAILABLE', message: `The run could not be stored in Redis: ${err.message}` } });
        }
      });
    }
  }

  /** A run is executing (its run_start, or a farm worker's first message): it leaves the waiting list, its time limit
   *  starts. A run re-attached after a restart gets the full limit again from here. */
  onStarted(runId: string): void {
    const cur = this.running.get(runId);
    if (!cur) return;
    if (!cur.started && this.parallel) {
      cur.started = true;
      this.broadcastStatus();
    }
    // The time limit counts from the engine's start of the run (worker start-up is not the graph's fault).
    if (this.runTimeoutMs > 0) cur.timeLimit ??= setTimeout(() => this.timeOut(runId), this.runTimeoutMs).unref();
  }

  onEvent(event: RunEvent): void {
    const cur = this.running.get(event.runId);
    if (event.type === 'run_start') this.onStarted(event.runId);
    let wire = toWire(event);
    if (event.type === 'run_error') wire = pathsToUrls(wire, this.folders); // messages name no server folder
    if (event.type === 'node_done' || (event.type === 'node_cached' && event.ui)) {
      const files: string[] = [];
      // A cached output node shows the files of the run that made them.
      if (event.type === 'node_done') wire = { ...wire, outputs: pathsToUrls(event.outputs, this.folders) };
      wire = { ...wire, ui: event.ui && pathsToUrls(event.ui, this.folders, files) };
      if (cur && wire.ui) {
        cur.ui[event.nodeId] = wire.ui as UiOutput;
        cur.files.push(...files);
      }
    }
    if (cur && TERMINAL.has(event.type)) cur.terminal = wire;
    else this.hub.runEvent(wire);
  }

  onDone(runId: string, outcome: RunOutcome): void {
    const cur = this.running.get(runId);
    if (!cur) return;
    clearTimeout(cur.interruptTimer);
    clearTimeout(cur.timeLimit);
    this.running.delete(runId);
    // A farm's outcome carries every output node's ui: it fills in what missed events did not (events published while
    // this server was restarting or its Redis subscription reconnecting).
    if (outcome.status === 'ok') this.fillUi(cur, outcome.ui);
    const reason = cur.removed ? 'removed' : this.closing ? 'server_stopped' : 'user';
    const result: Partial<HistoryEntry> & Pick<HistoryEntry, 'status'> = outcome.status === 'ok'
      ? { status: 'ok', ms: outcome.ms, executed: outcome.executed, cached: outcome.cached }
      : outcome.status === 'error'
        ? { status: 'error', error: pathsToUrls(outcome.error, this.folders) }
        : { status: 'interrupted', interrupted: { nodeId: outcome.nodeId, reason } };
    // A farm job withdrawn before any worker took it was dispatched but never started: no startedAt.
    const recorded = this.record(cur.started ? cur.run : { ...cur.run, startedAt: undefined }, cur, result);
    // The run is reported ended (terminal event, queue file) only once its history entry is on disk.
    this.queue.finish(runId, recorded);
    void recorded.catch(() => undefined).then(() => {
      this.hub.runEvent(cur.terminal ?? synthesize(runId, outcome));
      this.log.close(runId);
      this.broadcastStatus();
    });
    this.pump();
  }

  /**
   * Stops taking runs; running ones are ended as interrupted (server_stopped). Pending runs stay queued. With a backend
   * whose runs outlive the server (a farm) the running ones are left as they are: they keep executing, stay in
   * queue.json as running, and the next server re-attaches to them.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.backend.stop({ status: 'interrupted' });
    if (this.backend.outlivesServer) {
      for (const cur of this.running.values()) {
        clearTimeout(cur.interruptTimer);
        clearTimeout(cur.timeLimit);
      }
      this.running.clear();
      return;
    }
    for (const runId of [...this.running.keys()]) this.onDone(runId, { status: 'interrupted' });
  }

  private fillUi(cur: Current, ui: Record<string, UiOutput> | undefined): void {
    if (!ui || typeof ui !== 'object') return;
    for (const [nodeId, value] of Object.entries(ui)) {
      if (cur.ui[nodeId] || !value || typeof value !== 'object') continue;
      const files: string[] = [];
      cur.ui[nodeId] = pathsToUrls(value, this.folders, files) as UiOutput;
      cur.files.push(...files);
    }
  }

  private record(
    run: RunRecord, got: { ui: Record<string, UiOutput>; files: string[] }, result: Partial<HistoryEntry> & Pick<HistoryEntry, 'status'>,
  ): Promise<void> {
    return this.history.add({
      runId: run.runId,
      clientId: run.clientId,
      submittedAt: run.submittedAt,
      startedAt: run.startedAt,
      finishedAt: new Date().toISOString(),
      ui: got.ui,
      files: got.files,
      graph: run.graph,
      ...result,
    });
  }

  private broadcastStatus(): void {
    this.hub.broadcast({ type: 'status', ...this.status() });
  }
}

/** The terminal event for an outcome the engine did not report itself (worker crash or kill). */
function synthesize(runId: string, outcome: RunOutcome): WireEvent {
  if (outcome.status === 'ok') return { type: 'run_done', runId, ms: outcome.ms, executed: outcome.executed, cached: outcome.cached };
  if (outcome.status === 'error') return { type: 'run_error', runId, ...outcome.error };
  return { type: 'interrupted', runId, nodeId: outcome.nodeId };
}
