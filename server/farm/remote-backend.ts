import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NodeRegistry, RunEvent } from '../../engine';
import type { BackendHandlers, BackendState, ExecutionBackend } from '../backend';
import type { RunJob, RunOutcome } from '../worker/protocol';
import { addJob } from './enqueue';
import { FairShare } from './fair-share';
import { modelsNeeded } from './models';
import { holdsAll, serverFingerprints } from './server-fingerprints';
import { collectFiles, unmarkOutputs } from './output-files';
import { readPersistence, type RedisPersistence } from './persistence';
import {
  BULL_PREFIX, checkResult, HEARTBEAT_MS, KEY_TTL_SECONDS, KEYS, MAX_WORKERS_LISTED, parseAdvert, parseMessage, QUEUE_NAME,
  type FarmJob, type FarmMessage, type FarmResult, type WorkerAdvert,
} from './protocol';
import { connect, quit } from './redis';
import { redact } from './redis-url';

/** How often adverts are read and the jobs in flight are checked against Redis. */
const TICK_MS = 1000;
/** A job BullMQ reports completed whose `done` message has not arrived after this long is finished from its return value
 *  (the message was lost: a reconnect of the subscriber). */
const DONE_MESSAGE_GRACE_MS = 1500;
/** After a reconnect to Redis, workers need a heartbeat or two to advertise again: no run fails for lack of a worker
 *  until then. */
const ADVERTS_SETTLE_MS = 2 * HEARTBEAT_MS + 1000;

interface InFlight {
  job: RunJob;
  models: string[];
  /** The server's fingerprints of `models` (a worker must hold the same contents). */
  fingerprints: Record<string, string>;
  enqueuedAt: number;
  /** The worker executing the current attempt: messages from any other (a worker that lost its lock) are dropped. */
  workerId?: string;
  /** Messages are handled one after another (files are written before the event that names them is forwarded). */
  chain: Promise<void>;
  completedSeenAt?: number;
  /** A message from a worker arrived (the Runner was told the run is executing). */
  started?: boolean;
}

/**
 * The farm backend: runs become BullMQ jobs in Redis (acknowledged once `Queue.add` resolves), `cones worker`
 * processes execute them, and their messages (events, output files, outcome) come back over Redis pub/sub and keys.
 * A tick reads the workers' adverts (a run no live worker can execute fails with E_NO_WORKER_FOR_MODEL) and checks
 * each job's state in Redis (a job BullMQ failed, e.g. stalled twice, ends with E_WORKER_LOST).
 *
 * Runs outlive the server: stopping it leaves their jobs in Redis and in queue.json, and the next server re-attaches
 * by adding each again (a no-op for a job Redis still holds) and following it as any other (messages, or the job's
 * return value for one that finished meanwhile).
 */
export class RemoteBackend implements ExecutionBackend {
  readonly capacity = Number.POSITIVE_INFINITY;
  readonly durable = true;
  readonly outlivesServer = true;
  private readonly inflight = new Map<string, InFlight>();
  private readonly cmd: Redis;
  private readonly sub: Redis;
  /** BullMQ's Queue connection: fails fast while Redis is down (see redis.ts), so submissions are answered at once. */
  private readonly producer: Redis;
  private readonly queue: Queue;
  private workers: WorkerAdvert[] = [];
  private connected = false;
  private producerReady = false;
  /** When the command connection last came back after losing Redis (0: never lost). */
  private reconnectedAt = 0;
  private persistence?: RedisPersistence;
  private stopped = false;
  private tick?: NodeJS.Timeout;
  private ticking = false;
  /** Each run's BullMQ priority: clients take turns (fair-share.ts). */
  private readonly fair = new FairShare();

  constructor(
    private readonly url: string,
    private readonly registry: NodeRegistry,
    /** Library folders for `lib/NAME` subgraphs (the server's; workers resolve with their own --lib folders). */
    private readonly libraries: readonly string[],
    private readonly outputs: string,
    private readonly noWorkerGraceMs: number,
    private readonly handlers: BackendHandlers,
    /** Where the server resolves `models/<name>` (the engine's search paths): its copies are the reference contents. */
    private readonly modelBases: readonly string[] = [],
  ) {
    this.cmd = connect(url, 'cones-server-cmd');
    this.sub = connect(url, 'cones-server-sub');
    this.producer = connect(url, 'cones-server-queue', { failFast: true });
    this.producer.on('ready', () => (this.producerReady = true));
    this.queue = new Queue(QUEUE_NAME, { connection: this.producer, prefix: BULL_PREFIX });
    this.queue.on('error', () => undefined); // ioredis reconnects; failures surface on add (E_REDIS_UNAVAILABLE)
    this.sub.on('message', (_channel: string, text: string) => this.onMessage(text));
    let readyBefore = false;
    this.cmd.on('ready', () => {
      if (readyBefore) {
        this.reconnectedAt = Date.now();
        console.error(`[server] reconnected to Redis at ${redact(url)}`);
        void this.checkPersistence();
      }
      readyBefore = true;
    });
  }

  get state(): BackendState {
    if (this.stopped) return 'stopped';
    return this.connected ? 'ready' : 'starting';
  }

  health(): Record<string, unknown> {
    return { farm: {
      redis: this.cmd.status === 'ready' ? 'connected' : 'connecting',
      persistence: this.persistence,
      workers: this.workers.map((w) => ({ workerId: w.workerId, host: w.host, concurrency: w.concurrency, models: w.models.map((m) => m.name) })),
    } };
  }

  async start(): Promise<void> {
    // The tick runs whatever happens below: it is also what follows runs re-attached after a restart.
    this.tick ??= setInterval(() => void this.onTick(), TICK_MS).unref();
    try {
      await this.sub.subscribe(KEYS.events);
      await this.cmd.ping();
      this.connected = true;
    } catch (err) {
      throw new Error(`cannot reach Redis at ${redact(this.url)}: ${(err as Error).message}`);
    }
    await this.checkPersistence();
    await this.refreshWorkers();
  }

  /** Reads Redis' persistence settings (GET /api/health `farm.persistence`) and warns when acknowledged runs could be lost. */
  private async checkPersistence(): Promise<void> {
    this.persistence = await readPersistence(this.cmd);
    for (const problem of this.persistence.problems) console.error(`[server] warning: Redis at ${redact(this.url)}: ${problem}`);
  }

  /**
   * Adds the run's job. `acknowledged` tells whether the run was acknowledged already (resumed from queue.json after a
   * restart, or queued behind others): such a run is tried again until Redis takes it, a new submission is refused
   * at once when Redis is down (the caller answers E_REDIS_UNAVAILABLE and it is cancelled in Redis, in case the add
   * applied just as the connection dropped).
   */
  async run(job: RunJob, acknowledged: () => boolean = () => false): Promise<void> {
    let models: string[] = [];
    try {
      models = modelsNeeded(job.graph, this.registry, job.outputs, this.libraries);
    } catch {
      // The graph was validated before queueing; a graph that no longer loads fails on the worker with its issues.
    }
    const fingerprints = serverFingerprints(models, this.modelBases);
    const entry: InFlight = { job, models, fingerprints, enqueuedAt: Date.now(), chain: Promise.resolve() };
    this.inflight.set(job.runId, entry);
    const data: FarmJob = { runId: job.runId, graph: job.graph, outputs: job.outputs, models, fingerprints };
    const priority = this.fair.assign(job.runId, job.clientId);
    try {
      await addJob(this.queue, this.producer, data, priority, {
        keepTrying: acknowledged, stopped: () => this.stopped, everReady: () => this.producerReady,
      });
    } catch (err) {
      if (this.inflight.get(job.runId) === entry) this.inflight.delete(job.runId);
      this.fair.forget(job.runId);
      // A stopping server leaves an acknowledged run to the next one (queue.json still holds it).
      if (!(this.stopped && acknowledged())) this.discard(job.runId);
      throw err;
    }
    this.checkCapable(job.runId, entry);
  }

  interrupt(runId: string): void {
    if (!this.inflight.has(runId)) return;
    this.markCancelled(runId);
    // A job no worker has taken yet is removed here; one being executed is stopped by its worker (cancel channel).
    void this.removeWaiting(runId).then((removed) => {
      if (removed) this.finish(runId, { status: 'interrupted' });
    }, () => undefined);
  }

  async withdraw(runId: string): Promise<boolean> {
    const entry = this.inflight.get(runId);
    if (!entry || entry.workerId) return false;
    const removed = await this.removeWaiting(runId).catch(() => false);
    if (!removed) return false;
    this.markCancelled(runId);
    this.inflight.delete(runId);
    this.fair.forget(runId);
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
    void this.queue.remove(runId).catch(() => {
      // Redis unreachable: removed once it is back (an add in flight when the connection dropped may have applied;
      // until then the cancel mark, sent when the command connection is back, makes a worker end it unexecuted).
      if (this.producer.status !== 'ready') this.producer.once('ready', () => void this.queue.remove(runId).catch(() => undefined));
    });
  }

  /** Stops following runs without ending them: they keep executing on the workers, their jobs stay in Redis, and the
   *  Runner keeps them in queue.json, so the next server re-attaches to them (`outlivesServer`). */
  async stop(_outcome: RunOutcome): Promise<void> {
    this.stopped = true;
    clearInterval(this.tick);
    // Output files being written finish first (a key is deleted only once its file is on disk, see output-files.ts).
    const chains = [...this.inflight.values()].map((e) => e.chain);
    this.inflight.clear();
    await Promise.race([Promise.all(chains), new Promise((r) => setTimeout(r, 2000).unref())]);
    await Promise.race([this.queue.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    await Promise.all([quit(this.cmd), quit(this.sub), quit(this.producer)]);
  }

  /**
   * Removes the run's job only while it waits for a worker. A job that finished is left for checkJob to collect: after
   * a restart the server does not know yet, until its first look at Redis, that a re-attached run already ended.
   */
  private async removeWaiting(runId: string): Promise<boolean> {
    const state = await this.queue.getJobState(runId);
    if (!['waiting', 'prioritized', 'delayed', 'waiting-children'].includes(state)) return false;
    return (await this.queue.remove(runId)) > 0;
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
    // A worker took it (its `start`, or the first event a server re-attached after a restart hears): the round moves on.
    this.fair.started(msg.runId);
    if (!entry.started && msg.kind !== 'done') {
      // Also what tells a server re-attached after a restart (it missed the `start`) that the run is executing.
      entry.started = true;
      this.handlers.onStarted?.(msg.runId);
    }
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
    this.fair.forget(runId);
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
    // A run on a live worker is left alone; one whose worker died is back in the queue (BullMQ's stalled check) and
    // must find another worker holding its models, or it would be passed on by the others forever.
    const executing = entry.workerId !== undefined && this.workers.some((w) => w.workerId === entry.workerId);
    if (executing || Date.now() - this.reconnectedAt < ADVERTS_SETTLE_MS) return;
    const capable = this.workers.some((w) => holdsAll(w.models, entry.models, entry.fingerprints));
    if (capable) return;
    if (!this.workers.length && Date.now() - Math.max(entry.enqueuedAt, this.reconnectedAt) < this.noWorkerGraceMs) return;
    void this.removeWaiting(runId).then((removed) => {
      if (!removed) return; // a worker took it meanwhile
      const held = [...new Set(this.workers.flatMap((w) => w.models.map((m) => m.name)))];
      const message = this.workers.length
        ? `No live worker holds ${entry.models.join(', ')} with the server's contents; the ${this.workers.length} live worker(s) ` +
          `hold ${held.join(', ') || 'no model'} (a folder held under the same name with other files or configs does not count).`
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
