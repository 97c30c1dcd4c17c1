/**
 * Fairness between clients on the farm: start-time fair queueing expressed as BullMQ priorities (open-source BullMQ:
 * a worker takes the waiting job with the lowest priority number; jobs of equal priority in the order they were added).
 *
 * Each run gets a level: `max(round, last level given to its client + 1)`, where `round` is the highest level a worker
 * has started so far. A client's waiting runs therefore sit on consecutive levels (1st, 2nd, 3rd, ...), one run per
 * level, and a client with nothing waiting enters at the level being served. Workers serve the levels in order, so
 * clients take turns: round-robin among the clients with waiting runs, FIFO within one client.
 *
 * Bound: a run is preceded by no waiting run of a higher level, and by at most one waiting run of each other client
 * (the one that client has on the same level, added earlier). So client B's single run, submitted behind client A's
 * 8, starts before all of A's runs waiting at that time except at most one.
 *
 * Levels start again at 1 whenever no run waits. A level beyond BullMQ's largest priority is clamped to it (FIFO from
 * there: reached only after about two million levels without the queue ever emptying). The client is the `clientId`
 * given with POST /api/runs (the editor's, one per page load; `cones run --server` sends one per invocation); runs
 * without one share one client. See docs/scale-out.md, *Fairness between clients*.
 */

/** BullMQ's largest priority (2^21 - 1). */
export const MAX_PRIORITY = 2_097_151;

export class FairShare {
  /** The highest level a worker has started since the queue was last empty. */
  private round = 0;
  private readonly lastLevel = new Map<string, number>();
  /** Runs given a level that no worker has started yet. */
  private readonly waiting = new Map<string, number>();

  /** The BullMQ priority of a new run of `clientId` (also what resumed runs get: BullMQ keeps an existing job's). */
  assign(runId: string, clientId: string | undefined): number {
    const client = clientId ?? '';
    const level = Math.min(MAX_PRIORITY, Math.max(this.round, (this.lastLevel.get(client) ?? 0) + 1));
    this.lastLevel.set(client, level);
    this.waiting.set(runId, level);
    return level;
  }

  /** A worker started the run: the round moves up to its level. */
  started(runId: string): void {
    const level = this.waiting.get(runId);
    if (level === undefined) return;
    this.round = Math.max(this.round, level);
    this.forget(runId);
  }

  /** The run left the queue without starting (removed, refused, failed for lack of a worker) or ended. */
  forget(runId: string): void {
    if (!this.waiting.delete(runId) || this.waiting.size) return;
    this.round = 0;
    this.lastLevel.clear();
  }

  /** How many runs wait for a worker (for tests and health). */
  get size(): number {
    return this.waiting.size;
  }
}
