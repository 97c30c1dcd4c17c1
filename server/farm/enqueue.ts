import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FarmJob } from './protocol';
import { isTransient } from './redis';

/** How long one add may take before it counts as failed (Redis connected but not answering). */
export const ADD_TIMEOUT_MS = 10_000;
/** How often an acknowledged run's add is tried again while Redis is unreachable. */
const RETRY_MS = 500;

/** The job's options: jobId = runId, so adding a run twice (a retry, a re-attach) is a no-op in BullMQ (the job keeps
 *  the priority it was first added with). `priority` is the run's fair-share level (fair-share.ts). */
const JOB_OPTIONS = (runId: string, priority: number) => ({
  jobId: runId, priority, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 },
});

/**
 * Adds a run's job to BullMQ. Resolves once Redis confirmed the add (with `appendfsync always` it is then on disk).
 *
 * A new submission (`keepTrying` false) is refused at once when the producer connection is down, so POST /api/runs
 * answers E_REDIS_UNAVAILABLE instead of waiting; only while the server's first connection attempt is under way
 * does an add wait for it (at most ADD_TIMEOUT_MS). A run acknowledged earlier (resumed from queue.json, `keepTrying`
 * true) is tried again every 500 ms for as long as the failure is transient (Redis down, loading) and `keepTrying`
 * holds: it is never turned into an error just because Redis restarts.
 */
export async function addJob(queue: Queue, producer: Redis, data: FarmJob, priority: number, when: {
  /** True for a run acknowledged already (asked again after each failure: a submitter may start waiting for it). */
  keepTrying: () => boolean;
  /** The server is stopping: give up (queue.json keeps an acknowledged run for the next server). */
  stopped: () => boolean;
  /** The producer connection was ready once (so a connection not ready now means Redis was lost). */
  everReady: () => boolean;
}): Promise<void> {
  for (;;) {
    try {
      await addOnce(queue, producer, data, priority, when.everReady());
      return;
    } catch (err) {
      if (when.stopped() || !when.keepTrying() || !isTransient(err)) throw err;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

/** Connection states in which the producer is known to be cut off from Redis (a connection attempt failed). */
const DOWN = new Set(['reconnecting', 'close', 'end']);

async function addOnce(queue: Queue, producer: Redis, data: FarmJob, priority: number, everReady: boolean): Promise<void> {
  if (DOWN.has(producer.status) || (everReady && producer.status !== 'ready')) {
    throw new Error(`not connected to Redis (${producer.status})`);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.add('run', data, JOB_OPTIONS(data.runId, priority)),
      new Promise((_r, reject) => (timer = setTimeout(() => reject(new Error(`no answer from Redis in ${ADD_TIMEOUT_MS} ms`)), ADD_TIMEOUT_MS))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
