import type { NodeRegistry } from '../engine';
import type { SearchBase } from './graph-paths';
import type { ResolvedOptions } from './options';
import type { Runner } from './runner';
import type { HistoryStore } from './store/history';
import type { RunQueue } from './store/run-queue';

/** What the route handlers share. */
export interface AppContext {
  opts: ResolvedOptions;
  /** The main thread's registry: validation before queueing, and /api/nodes. The worker builds the same one. */
  registry: NodeRegistry;
  bases: SearchBase[];
  runner: Runner;
  queue: RunQueue;
  history: HistoryStore;
  startedAt: number;
}
