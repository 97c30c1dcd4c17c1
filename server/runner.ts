import { join } from 'node:path';
import type { RunEvent, UiOutput } from '../engine';
import { pathsToUrls } from './file-urls';
import type { FolderName } from './options';
import type { HistoryEntry, HistoryStore } from './store/history';
import type { RunQueue, RunRecord } from './store/run-queue';
import { toWire, type EventLog, type WireEvent } from './ws/event-log';
import type { WsHub } from './ws/hub';
import { WorkerHost } from './worker/host';
import type { RunOutcome, WorkerData } from './worker/protocol';

const TERMINAL = new Set(['run_done', 'run_error', 'interrupted']);

interface Current {
  run: RunRecord;
  ui: Record<string, UiOutput>;
  files: string[];
  /** The worker's terminal event, held back until the history entry is written (so a client that reacts
   *  to run_done by fetching /api/history/:runId always finds it). */
  terminal?: WireEvent;
  interruptTimer?: NodeJS.Timeout;
  timeLimit?: NodeJS.Timeout;
}

/** Moves runs from the queue through the worker into history, forwarding every event to the hub. */
export class Runner {
  private current?: Current;
  private closing = false;
  readonly host: WorkerHost;

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
    worker: Omit<WorkerData, 'workerModule'>,
  ) {
    this.host = new WorkerHost(worker, { onEvent: (e) => this.onEvent(e), onDone: (id, outcome) => this.onDone(id, outcome) });
  }

  status(): { queue: { running: number; pending: number }; runningId: string | null } {
    return { queue: this.queue.size, runningId: this.queue.current?.runId ?? null };
  }

  /** Queues a validated run; returns how many runs are ahead of it. */
  /** Resolves once the run is on disk (only then may it be acknowledged); E_DATA_DIR_UNWRITABLE otherwise. */
  async submit(run: RunRecord): Promise<number> {
    const position = await this.queue.add(run);
    this.log.open(run.runId, run.clientId);
    this.hub.broadcast({ type: 'queued', runId: run.runId, clientId: run.clientId ?? null, position });
    this.pump();
    this.broadcastStatus();
    return position;
  }

  /** Removes a pending run: it ends as interrupted (reason "removed") without having started. */
  remove(runId: string): boolean {
    const run = this.queue.remove(runId);
    if (!run) return false;
    void this.record(run, { ui: {}, files: [] }, { status: 'interrupted', interrupted: { reason: 'removed' } }).catch(() => undefined);
    this.hub.runEvent({ type: 'interrupted', runId, reason: 'removed' });
    this.log.close(runId);
    this.broadcastStatus();
    return true;
  }

  interrupt(runId: string): void {
    const cur = this.current;
    if (!cur || cur.run.runId !== runId) return;
    this.host.interrupt(runId);
    cur.interruptTimer ??= setTimeout(() => void this.host.kill({ status: 'interrupted' }), this.interruptGraceMs).unref();
  }

  /** Ends a run over the time limit: its worker is terminated (a stuck node cannot refuse) and the queue moves on. */
  private timeOut(runId: string): void {
    if (this.current?.run.runId !== runId) return;
    const seconds = Math.round(this.runTimeoutMs / 1000);
    const message = `The run took longer than the server's limit of ${seconds} s and was stopped.`;
    void this.host.kill({ status: 'error', error: { code: 'E_RUN_TIMEOUT', message } });
  }

  /**
   * Settles a run that was executing or ending when a previous server process stopped: one history already holds
   * finished (it ended, but the queue file was not updated yet) is left as it is; any other is recorded interrupted.
   */
  recordOrphan(run: RunRecord): void {
    const recorded = this.history.get(run.runId)
      ? Promise.resolve()
      : this.record(run, { ui: {}, files: [] }, { status: 'interrupted', interrupted: { reason: 'server_stopped' } });
    void recorded.then(() => this.queue.forget(run.runId), () => undefined);
  }

  pump(): void {
    if (this.closing || this.current) return;
    const run = this.queue.start();
    if (!run) return;
    this.current = { run, ui: {}, files: [] };
    this.log.open(run.runId, run.clientId);
    void this.host.run({ runId: run.runId, graph: run.graph, outputs: run.outputs, outputDir: join(this.folders.outputs, run.runId) });
  }

  onEvent(event: RunEvent): void {
    const cur = this.current;
    // The time limit counts from the engine's start of the run (worker start-up is not the graph's fault).
    if (event.type === 'run_start' && cur?.run.runId === event.runId && this.runTimeoutMs > 0) {
      cur.timeLimit ??= setTimeout(() => this.timeOut(event.runId), this.runTimeoutMs).unref();
    }
    let wire = toWire(event);
    if (event.type === 'run_error') wire = pathsToUrls(wire, this.folders); // messages name no server folder
    if (event.type === 'node_done' || (event.type === 'node_cached' && event.ui)) {
      const files: string[] = [];
      // A cached output node shows the files of the run that made them.
      if (event.type === 'node_done') wire = { ...wire, outputs: pathsToUrls(event.outputs, this.folders) };
      wire = { ...wire, ui: event.ui && pathsToUrls(event.ui, this.folders, files) };
      if (cur && event.runId === cur.run.runId && wire.ui) {
        cur.ui[event.nodeId] = wire.ui as UiOutput;
        cur.files.push(...files);
      }
    }
    if (cur && event.runId === cur.run.runId && TERMINAL.has(event.type)) cur.terminal = wire;
    else this.hub.runEvent(wire);
  }

  onDone(runId: string, outcome: RunOutcome): void {
    const cur = this.current;
    if (!cur || cur.run.runId !== runId) return;
    clearTimeout(cur.interruptTimer);
    clearTimeout(cur.timeLimit);
    this.current = undefined;
    const reason = this.closing ? 'server_stopped' : 'user';
    const result: Partial<HistoryEntry> & Pick<HistoryEntry, 'status'> = outcome.status === 'ok'
      ? { status: 'ok', ms: outcome.ms, executed: outcome.executed, cached: outcome.cached }
      : outcome.status === 'error'
        ? { status: 'error', error: pathsToUrls(outcome.error, this.folders) }
        : { status: 'interrupted', interrupted: { nodeId: outcome.nodeId, reason } };
    const recorded = this.record(cur.run, cur, result);
    // The run is reported ended (terminal event, queue file) only once its history entry is on disk.
    this.queue.finish(runId, recorded);
    void recorded.catch(() => undefined).then(() => {
      this.hub.runEvent(cur.terminal ?? synthesize(runId, outcome));
      this.log.close(runId);
      this.broadcastStatus();
    });
    this.pump();
  }

  /** Stops taking runs; the running one is ended as interrupted (server_stopped). Pending runs stay queued. */
  async close(): Promise<void> {
    this.closing = true;
    await this.host.stop({ status: 'interrupted' });
    const cur = this.current;
    if (cur) this.onDone(cur.run.runId, { status: 'interrupted' });
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
