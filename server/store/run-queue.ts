import { join } from 'node:path';
import { AtomicJsonFile } from './atomic-file';

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
  pending: RunRecord[];
}

/**
 * The pending runs (FIFO) and the running one, mirrored to `dataDir/queue.json` after every change so a
 * restart resumes them. One run at a time: the worker executes runs sequentially.
 */
export class RunQueue {
  private pending: RunRecord[] = [];
  private running: RunRecord | null = null;

  private constructor(private readonly file: AtomicJsonFile<QueueFile>) {}

  /**
   * Loads the queue. `orphan` is the run that was executing when the previous server stopped: it is not
   * resumed (it may be what brought the server down); the caller records it as interrupted.
   */
  static async open(dataDir: string): Promise<{ queue: RunQueue; orphan?: RunRecord }> {
    const queue = new RunQueue(new AtomicJsonFile<QueueFile>(join(dataDir, 'queue.json')));
    const saved = await queue.file.read();
    const orphan = saved?.running ?? undefined;
    queue.pending = Array.isArray(saved?.pending) ? saved.pending.filter((r) => typeof r?.runId === 'string') : [];
    queue.persist();
    return { queue, orphan };
  }

  get size(): { running: number; pending: number } {
    return { running: this.running ? 1 : 0, pending: this.pending.length };
  }

  get current(): RunRecord | null {
    return this.running;
  }

  list(): RunRecord[] {
    return [...this.pending];
  }

  has(runId: string): boolean {
    return this.running?.runId === runId || this.pending.some((r) => r.runId === runId);
  }

  /** Appends a run; returns how many runs are ahead of it (the running one included). */
  add(run: RunRecord): number {
    this.pending.push(run);
    this.persist();
    return this.pending.length - 1 + (this.running ? 1 : 0);
  }

  remove(runId: string): RunRecord | undefined {
    const i = this.pending.findIndex((r) => r.runId === runId);
    if (i < 0) return undefined;
    const [run] = this.pending.splice(i, 1);
    this.persist();
    return run;
  }

  /** Moves the oldest pending run to running (nothing if one is running already). */
  start(): RunRecord | undefined {
    if (this.running || !this.pending.length) return undefined;
    this.running = { ...this.pending.shift()!, startedAt: new Date().toISOString() };
    this.persist();
    return this.running;
  }

  finish(runId: string): void {
    if (this.running?.runId !== runId) return;
    this.running = null;
    this.persist();
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  private persist(): void {
    this.file.save({ version: 1, running: this.running, pending: this.pending });
  }
}
