import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NodeRegistry, RunEvent } from '../../engine';
import type { BackendHandlers, BackendState, ExecutionBackend } from '../backend';
import type { RunJob, RunOutcome } from '../worker/protocol';
import { modelsNeeded } from './models';
import { collectFiles, unmarkOutputs } from './output-files';
import {
  BULL_PREFIX, checkResult, KEY_TTL_SECONDS, KEYS, MAX_WORKERS_LISTED, parseAdvert, parseMessage, QUEUE_NAME,
  type FarmJob, type FarmMessage, type FarmResult, type WorkerAdvert,
} from './protocol';
import { connect, quit } from './redis';
import { redact } from './redis-url';

/** How long Queue.add may take before the submission is refused (E_REDIS_UNAVAILABLE). */
const ADD_TIMEOUT_MS = 10_000;
/** How often adverts are read and the jobs in flight are checked against Redis. */
const TICK_MS = 1000;
/** A job BullMQ reports completed whose `done` message has not arrived after this long is finished from its return value
 *  (the message was lost: a reconnect of the subscriber). */
const DONE_MESSAGE_GRACE_MS = 1500;

interface InFlight {
  job: RunJob;
  models: string[];
  enqueuedAt: number;
  /** The worker executing the current attempt: messages from any other (a worker that lost its lock) are dropped. */
  workerId?: string;
  /** Messages are handled one after another (files are written before the event that names them is forwarded). */
  chain: Promise<void>;
  completedSeenAt?: number;
}

/**
 * The farm backend: runs become BullMQ jobs in Redis (acknowledged once `Queue.add` resolves), `cones worker`
 * processes execute them, and their messages (events, output files, outcome) come back over Redis pub/sub and keys.
 * A tick reads the workers' adverts (a run no live worker can execute fails with E_NO_WORKER_FOR_MODEL) and checks
 * each job's state in Redis (a job BullMQ failed, e.g. stalled twice, ends with E_WORKER_LOST).
 */
export class RemoteBackend implements ExecutionBackend {
  readonly capacity = Number.POSITIVE_INFINITY;
  readonly durable = true;
  private readonly inflight = new Map<string, InFlight>();
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private workers: WorkerAdvert[] = [];
  private connected = false;
  private stopped = false;
  private tick?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly url: string,
    private readonly registry: NodeRegistry,
    /** Library folders for `lib/NAME` subgraphs (the server's; workers resolve with their own --lib folders). */
    private readonly libraries: readonly string[],
    private readonly outputs: string,
    private readonly noWorkerGraceMs: number,
    private readonly handlers: BackendHandlers,
  ) {
    this.cmd = connect(url, 'cones-server-cmd');
    this.sub = connect(url, 'cones-server-sub');
    this.queueConnection = connect(url, 'cones-server-queue');
    this.queue = new Queue(QUEUE_NAME, { connection: this.queueConnection, prefix: BULL_PREFIX });
    this.queue.on('error', () => undefined); // ioredis reconnects; failures surface on add (E_REDIS_UNAVAILABLE)
    this.sub.on('message', (_channel: string, text: string) => this.onMessage(text));
  }

  get state(): BackendState {
    if (this.stopped) return 'stopped';
    return this.connected ? 'ready' : 'starting';
  }

  health(): Record<string, unknown> {
    return { farm: { redis: this.connected ? 'connected' : 'connecting', workers: this.workers.map((w) => ({
      workerId: w.workerId, host: w.host, concurrency: w.concurrency, models: w.models.map((m) => m.name),
    })) } };
  }

  async start(): Promise<void> {
    try {
      await this.sub.subscribe(KEYS.events);
      await this.cmd.ping();
      this.connected = true;
    } catch (err) {
      throw new Error(`cannot reach Redis at ${redact(this.url)}: ${(err as Error).message}`);
    }
    this.tick ??= setInterval(() => void this.onTick(), TICK_MS).unref();
    await this.refreshWorkers();
  }

  async run(job: RunJob): Promise<void> {
    let models: string[] = [];
    try {
      models = modelsNeeded(job.graph, this.registry, job.outputs, this.libraries);
    } catch {
      // The graph was validated before queueing; a graph that no longer loads fails on the worker with its issues.
    }
    const entry: InFlight = { job, models, enqueuedAt: Date.now(), chain: Promise.resolve() };
    this.inflight.set(job.runId, entry);
    const data: FarmJob = { runId: job.runId, graph: job.graph, outputs: job.outputs, models };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        // jobId = runId: adding the same run twice is a no-op in BullMQ, never a second execution.
        this.queue.add('run', data, { jobId: job.runId, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } }),
        new Promise((_r, reject) => (timer = setTimeout(() => reject(new Error(`no answer from Redis in ${ADD_TIMEOUT_MS} ms`)), ADD_TIMEOUT_MS))),
      ]);
    } catch (err) {
      this.inflight.delete(job.runId);
      this.discard(job.runId);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.checkCapable(job.runId, entry);
  }

  interrupt(runId: string): void {
    if (!this.inflight.has(runId)) return;
    this.markCancelled(runId);
    // A job no worker has taken yet is removed here; one being executed is stopped by its worker (cancel channel).
    void this.queue.remove(runId).then((removed) => {
      if (removed) this.finish(runId, { status: 'interrupted' });
    }, () => undefined);
  }

  async withdraw(runId: string): Promise<boolean> {
    const entry = this.inflight.get(runId);
    if (!entry || entry.workerId) return false;
    const removed = await this.queue.remove(runId).catch(() => 0);
    if (!removed) return false;
    this.markCancelled(runId);
    this.inflight.delete(runId);
    return true;
  }

  /** A remote run cannot be terminated from here: it is told to stop and ended now; its later messages are ignored. */
  async kill(outcome: RunOutcome, runId?: string): Promise<void> {
    for (const id of runId ? [runId] : [...this.inflight.keys()]) {
      this.markCancelled(id);
      this.finish(id, outcome);
    }
  }

  discard(runId: string): void {
    this.markCancelled(runId);
    void this.queue.remove(runId).catch(() => undefined);
  }

  async stop(outcome: RunOutcome): Promise<void> {
    this.stopped = true;
    clearInterval(this.tick);
    // Without re-attachment (not built yet) nobody would collect these runs: workers are told to drop them.
    for (const runId of [...this.inflight.keys()]) {
      this.discard(runId);
      this.finish(runId, outcome);
    }
    await Promise.race([this.queue.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    await Promise.all([quit(this.cmd), quit(this.sub), quit(this.queueConnection)]);
  }

  private markCancelled(runId: string): void {
    void this.cmd.multi().set(KEYS.cancelled(runId), '1', 'EX', KEY_TTL_SECONDS).publish(KEYS.cancel, runId).exec().catch(() => undefined);
  }

  private onMessage(text: string): void {
    const msg = parseMessage(text);
    const entry = msg && this.inflight.get(msg.runId);
    if (!msg || !entry) return;
    if (msg.kind === 'start') entry.workerId = msg.workerId;
    else if (entry.workerId !== undefined && entry.workerId !== msg.workerId) return;
    entry.workerId ??= msg.workerId;
    entry.chain = entry.chain.then(() => this.handle(msg)).catch((err: Error) => {
      console.error(`[server] farm message for run ${msg.runId} failed: ${err.message}`);
    });
  }

  private async handle(msg: FarmMessage): Promise<void> {
    if (!this.inflight.has(msg.runId)) return;
    if (msg.kind === 'event') {
      if (msg.files?.length) await collectFiles(this.cmd, msg.runId, this.outputs, msg.files);
      this.handlers.onEvent(unmarkOutputs(msg.event, this.outputs) as RunEvent);
    } else if (msg.kind === 'done') {
      await this.complete(msg.runId, msg.result);
    }
  }

  private async complete(runId: string, result: FarmResult): Promise<void> {
    await collectFiles(this.cmd, runId, this.outputs, result.files);
    this.finish(runId, unmarkOutputs(result.outcome, this.outputs));
  }

  private finish(runId: string, outcome: RunOutcome): void {
    if (!this.inflight.delete(runId)) return;
    this.handlers.onDone(runId, outcome);
  }

  private async refreshWorkers(): Promise<void> {
    const ids = (await this.cmd.smembers(KEYS.workers)).slice(0, MAX_WORKERS_LISTED);
    if (!ids.length) {
      this.workers = [];
      return;
    }
    const adverts = await this.cmd.mget(ids.map((id) => KEYS.advert(id)));
    const live: WorkerAdvert[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const advert = parseAdvert(adverts[i]);
      if (advert && advert.workerId === id) live.push(advert);
      else gone.push(id);
    });
    if (gone.length) await this.cmd.srem(KEYS.workers, ...gone);
    this.workers = live;
  }

  /** Fails a run no live worker can execute: at once when workers are live, after the grace when none is. */
  private checkCapable(runId: string, entry: InFlight): void {
    if (entry.workerId) return;
    const capable = this.workers.some((w) => entry.models.every((m) => w.models.some((held) => held.name === m)));
    if (capable) return;
    if (!this.workers.length && Date.now() - entry.enqueuedAt < this.noWorkerGraceMs) return;
    void this.queue.remove(runId).then((removed) => {
      if (!removed) return; // a worker took it meanwhile
      const held = [...new Set(this.workers.flatMap((w) => w.models.map((m) => m.name)))];
      const message = this.workers.length
        ? `No live worker holds ${entry.models.join(', ')}; the ${this.workers.length} live worker(s) hold ${held.join(', ') || 'no model'}.`
        : `No live worker for ${Math.round(this.noWorkerGraceMs / 1000)} s (the run needs ${entry.models.join(', ') || 'no model'}).`;
      this.finish(runId, { status: 'error', error: { code: 'E_NO_WORKER_FOR_MODEL', message } });
    }, () => undefined);
  }

  private async onTick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      await this.refreshWorkers();
      for (const [runId, entry] of [...this.inflight]) {
        this.checkCapable(runId, entry);
        await this.checkJob(runId, entry);
      }
    } catch {
      // Redis unreachable: the next tick tries again.
    } finally {
      this.ticking = false;
    }
  }

  /** Finishes runs whose job ended without the server hearing it: failed by BullMQ, or completed but the message lost. */
  private async checkJob(runId: string, entry: InFlight): Promise<void> {
    const job = await Job.fromId(this.queue, runId);
    if (!this.inflight.has(runId)) return;
    if (!job) {
      if (Date.now() - entry.enqueuedAt > 5000) {
        this.finish(runId, { status: 'error', error: { code: 'E_WORKER_LOST', message: 'The run\'s job vanished from Redis (flushed or evicted).' } });
      }
      return;
    }
    if (job.failedReason && job.finishedOn) {
      const message = /stalled/i.test(job.failedReason)
        ? `The workers executing the run stopped answering too often (BullMQ: ${job.failedReason}).`
        : `The run's job failed on its worker: ${job.failedReason}`;
      this.finish(runId, { status: 'error', error: { code: 'E_WORKER_LOST', message } });
      return;
    }
    if (job.finishedOn && job.returnvalue !== undefined && job.returnvalue !== null) {
      entry.completedSeenAt ??= Date.now();
      if (Date.now() - entry.completedSeenAt < DONE_MESSAGE_GRACE_MS) return;
      const result = checkResult(job.returnvalue);
      entry.chain = entry.chain.then(() => (result
        ? this.complete(runId, result)
        : this.finish(runId, { status: 'error', error: { code: 'E_WORKER_LOST', message: 'The run\'s worker returned a malformed result.' } })));
      await entry.chain;
    }
  }
}
