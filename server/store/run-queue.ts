import { join } from 'node:path';
import { ServerError } from '../codes';
import { AtomicJsonFile, removeStaleTemps } from './atomic-file';

/** A submitted run, as queued and persisted. */
export interface RunRecord {
  runId: string;
  graph: unknown;
  outputs?: string[];
  clientId?: string;
  submittedAt: string;
  startedAt?: string;
}

interface QueueFile {
  version: 1;
  running: RunRecord | null;
  /** Further running runs, when the backend executes several at once (a farm of workers); absent otherwise. */
  alsoRunning?: RunRecord[];
  pending: RunRecord[];
  /** Ended runs whose history entry is not yet on disk: kept here until it is, so a crash cannot lose them. */
  finishing?: RunRecord[];
}

/**
 * The pending runs (FIFO) and the running one, mirrored to `dataDir/queue.json` after every change so a
 * restart resumes them. Runs start in order, as many at once as the backend executes (the server's own worker: one).
 *
 * Durability: `add` resolves only once the run is on disk (the server acknowledges a run after that), and a run
 * leaves the file only after its history entry is on disk (`finish(runId, recorded)`), so at every instant an
 * acknowledged run is in queue.json, in history.jsonl, or both.
 */
export class RunQueue {
  private pending: RunRecord[] = [];
  private running: RunRecord[] = [];
  private finishing: RunRecord[] = [];

  private constructor(private readonly file: AtomicJsonFile<QueueFile>) {}

  /**
   * Loads the queue. `orphans` are the runs that were executing or ending when the previous server stopped: they
   * are not resumed (one may be what brought the server down); the caller records those history lacks as
   * interrupted and calls `forget` once that is on disk.
   *
   * `resumeRunning` (a farm, whose runs execute in other processes and outlive the server): the runs that were
   * executing are not orphans but go back to the head of the queue, in order and with their start time, so the new
   * server re-attaches to them (only ending ones are orphans).
   */
  static async open(dataDir: string, opts: { resumeRunning?: boolean } = {}): Promise<{ queue: RunQueue; orphans: RunRecord[] }> {
    const path = join(dataDir, 'queue.json');
    await removeStaleTemps(path);
    const queue = new RunQueue(new AtomicJsonFile<QueueFile>(path));
    const saved = await queue.file.read();
    const valid = (list: unknown): RunRecord[] => (Array.isArray(list) ? list.filter((r) => typeof r?.runId === 'string') : []);
    const executing = [...valid(saved?.running ? [saved.running] : []), ...valid(saved?.alsoRunning)];
    const orphans = [...valid(saved?.finishing), ...(opts.resumeRunning ? [] : executing)];
    queue.pending = [...(opts.resumeRunning ? executing : []), ...valid(saved?.pending)];
    queue.finishing = orphans;
    queue.persist();
    return { queue, orphans };
  }

  get size(): { running: number; pending: number } {
    return { running: this.running.length, pending: this.pending.length };
  }

  /** The oldest running run. */
  get current(): RunRecord | null {
    return this.running[0] ?? null;
  }

  runningList(): RunRecord[] {
    return [...this.running];
  }

  isRunning(runId: string): boolean {
    return this.running.some((r) => r.runId === runId);
  }

  list(): RunRecord[] {
    return [...this.pending];
  }

  has(runId: string): boolean {
    return this.isRunning(runId) || this.pending.some((r) => r.runId === runId);
  }

  /**
   * Appends a run and resolves, once it is on disk, with how many runs are ahead of it (the running one
   * included). When the file cannot be written the run is taken back out and E_DATA_DIR_UNWRITABLE is thrown.
   */
  async add(run: RunRecord): Promise<number> {
    this.pending.push(run);
    try {
      await this.file.save(this.snapshot());
    } catch (err) {
      const i = this.pending.indexOf(run);
      if (i >= 0) this.pending.splice(i, 1);
      this.persist();
      throw new ServerError('E_DATA_DIR_UNWRITABLE', `The run could not be stored (${(err as Error).message}); it was not queued.`, {
        hint: 'Check the server\'s data folder (free space, permissions); runs are accepted again once it can be written.',
      });
    }
    // Another submission's pump may have started this run while its write was in flight: then none is ahead.
    if (this.isRunning(run.runId)) return 0;
    return Math.max(0, this.pending.indexOf(run)) + this.running.length;
  }

  remove(runId: string): RunRecord | undefined {
    const i = this.pending.findIndex((r) => r.runId === runId);
    if (i < 0) return undefined;
    const [run] = this.pending.splice(i, 1);
    this.persist();
    return run;
  }

  /** Moves the oldest pending run to running (nothing if `capacity` runs are running already). */
  start(capacity = 1): RunRecord | undefined {
    if (this.running.length >= capacity || !this.pending.length) return undefined;
    const next = this.pending.shift()!;
    // A run resumed after a restart keeps the time it first started.
    const run = { ...next, startedAt: next.startedAt ?? new Date().toISOString() };
    this.running.push(run);
    this.persist();
    return run;
  }

  /** Takes a running run out without recording it (its submission was refused after all: never acknowledged). */
  withdraw(runId: string): void {
    const before = this.running.length;
    this.running = this.running.filter((r) => r.runId !== runId);
    if (this.running.length !== before) this.persist();
  }

  /** Frees the running slot; the run stays in the file (as finishing) until `recorded` (its history entry) settles. */
  finish(runId: string, recorded: Promise<void>): void {
    const run = this.running.find((r) => r.runId === runId);
    if (!run) return;
    this.running = this.running.filter((r) => r !== run);
    this.finishing.push(run);
    this.persist();
    void recorded.then(() => this.forget(runId), () => undefined);
  }

  /** Drops an ended run from the file once history holds it. */
  forget(runId: string): void {
    const before = this.finishing.length;
    this.finishing = this.finishing.filter((r) => r.runId !== runId);
    if (this.finishing.length !== before) this.persist();
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  private snapshot(): QueueFile {
    const [running = null, ...alsoRunning] = this.running;
    return {
      version: 1, running, ...(alsoRunning.length ? { alsoRunning } : {}), pending: [...this.pending], finishing: [...this.finishing],
    };
  }

  /** Saves without waiting; a failure is logged by the file and reported by the next `add`. */
  private persist(): void {
    this.file.save(this.snapshot()).catch(() => undefined);
  }
}
