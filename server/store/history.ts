import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphIssue, UiOutput } from '../../engine';
import { removeStaleTemps, writeAndSync, writeFileAtomic } from './atomic-file';

export type RunStatus = 'ok' | 'error' | 'interrupted';

export interface HistoryEntry {
  runId: string;
  status: RunStatus;
  clientId?: string;
  submittedAt: string;
  startedAt?: string;
  finishedAt: string;
  /** Engine time of a finished run. */
  ms?: number;
  executed?: string[];
  cached?: string[];
  /** Per output node: its ui values, with file paths replaced by /api/files/... URLs. */
  ui: Record<string, UiOutput>;
  /** Every file URL found in `ui`, for convenience. */
  files: string[];
  error?: { code: string; message: string; nodeId?: string; nodeType?: string; inputs?: Record<string, string>; issues?: GraphIssue[] };
  interrupted?: { nodeId?: string; reason: 'user' | 'removed' | 'server_stopped' };
  graph: unknown;
}

/**
 * Finished runs, newest last, in `dataDir/history.jsonl`: one JSON entry per line, appended as runs end
 * (a crash loses at most the line being written; a torn last line is skipped on load). The file is
 * rewritten with the newest `limit` entries when it grows past twice that, and after a deletion (atomically:
 * a crash leaves the file with or without the deleted entries, never torn, and a restart never brings back a
 * deletion that was acknowledged).
 */
export class HistoryStore {
  private readonly entries = new Map<string, HistoryEntry>();
  private lines = 0;
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly path: string, private readonly limit: number) {}

  static async open(dataDir: string, limit: number): Promise<HistoryStore> {
    const store = new HistoryStore(join(dataDir, 'history.jsonl'), limit);
    await removeStaleTemps(store.path);
    let text = '';
    try {
      text = await readFile(store.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      store.lines++;
      try {
        const entry = JSON.parse(line) as HistoryEntry;
        if (typeof entry.runId === 'string') store.remember(entry);
      } catch {
        // A torn line from a crash mid-append: the run's entry is lost, the others are intact.
      }
    }
    if (store.lines > store.entries.size) store.compact();
    return store;
  }

  /** Records a finished run; resolves once the entry is on disk (fsynced), rejects if it could not be written. */
  add(entry: HistoryEntry): Promise<void> {
    this.remember(entry);
    this.lines++;
    if (this.lines > 2 * this.limit) return this.compact();
    const line = `${JSON.stringify(entry)}\n`;
    // fsynced: a run is reported finished only once its entry survives a crash
    return this.enqueue(() => writeAndSync(this.path, 'a', line));
  }

  /**
   * Deletes entries; resolves with the ids that were there once the file without them is on disk (written to a
   * temp file, fsynced, renamed). If that write fails the entries are put back and the write's error is thrown.
   */
  async delete(runIds: readonly string[]): Promise<string[]> {
    const before = [...this.entries];
    const gone = runIds.filter((id) => this.entries.delete(id));
    if (!gone.length) return gone;
    try {
      await this.compact();
    } catch (err) {
      // Back in their places; entries added meanwhile stay after them (newest last).
      const deleted = new Set(gone);
      const restored = new Map(before.filter(([id]) => deleted.has(id) || this.entries.has(id)));
      for (const [id, entry] of this.entries) if (!restored.has(id)) restored.set(id, entry);
      this.entries.clear();
      for (const [id, entry] of restored) this.entries.set(id, entry);
      throw err;
    }
    return gone;
  }

  /** Every run id, oldest first. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  get(runId: string): HistoryEntry | undefined {
    return this.entries.get(runId);
  }

  /** Newest first. */
  list(limit: number): HistoryEntry[] {
    return [...this.entries.values()].reverse().slice(0, limit);
  }

  flush(): Promise<void> {
    return this.chain;
  }

  private remember(entry: HistoryEntry): void {
    this.entries.delete(entry.runId);
    this.entries.set(entry.runId, entry);
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  private compact(): Promise<void> {
    const text = [...this.entries.values()].map((e) => `${JSON.stringify(e)}\n`).join('');
    this.lines = this.entries.size;
    return this.enqueue(() => writeFileAtomic(this.path, text));
  }

  /** Writes run one after another; the returned promise settles with this write, the chain never rejects. */
  private enqueue(write: () => Promise<void>): Promise<void> {
    const done = this.chain.then(write);
    this.chain = done.catch((err: Error) => console.error(`[server] could not write ${this.path}: ${err.message}`));
    return done;
  }
}
