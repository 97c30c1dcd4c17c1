import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InputOverride, RunEvent } from '../../engine';
import { WorkerHost } from '../worker/host';
import type { RunOutcome } from '../worker/protocol';
import { scanModels } from './models';
import { holdsAll } from './server-fingerprints';
import { markOutputs, OutputTooLargeError, RunFiles } from './output-files';
import {
  ADVERT_TTL_SECONDS, BULL_PREFIX, checkJob, HEARTBEAT_MS, isRunId, KEYS, MAX_MESSAGE_BYTES, QUEUE_NAME,
  type FarmMessage, type FarmResult, type StoredFile, type WorkerAdvert,
} from './protocol';
import { connect, quit } from './redis';
import { probeRedis } from './redis-probe';
import { createScratch, sweepScratch, touchScratch } from './scratch';

/** How long a run this worker cannot execute (a model folder it lacks) stays out of the queue before it is offered
 *  again: the bound on the delay a passed-on run adds once a worker holding its folder is free. */
export const PASS_ON_MS = 250;

export interface FarmWorkerOptions {
  redisUrl: string;
  /** Folders holding model folders: a graph's `models/<name>` is looked up as `<dir>/<name>`. */
  models: string[];
  /** Further folders file inputs may name (relative names are looked up there too). */
  inputs: string[];
  registryModules: string[];
  /** Library folders for `lib/NAME` subgraph node types (the install's graphs/lib last). */
  libraries: string[];
  /** Sets LoadModel's `provider` on every run. */
  provider?: 'cpu' | 'cuda' | 'auto';
  concurrency: number;
  /** BullMQ lock: a worker silent this long is presumed dead and its run is retried elsewhere. */
  lockMs: number;
  /** How long a run may ignore an interrupt before its engine thread is terminated. */
  interruptGraceMs: number;
  log(line: string): void;
}

interface Active {
  runId: string;
  host: WorkerHost;
  files: RunFiles;
  /** Messages of one run are published in order, each after its files are stored. */
  chain: Promise<void>;
  /** A failure of the worker's own (output too large) that replaces the engine's outcome. */
  failure?: RunOutcome;
  done(outcome: RunOutcome): void;
  killTimer?: NodeJS.Timeout;
}

/**
 * A `cones worker` process: takes runs from the BullMQ queue, executes each in an engine thread (the server's own
 * `WorkerHost` + `engine-worker.ts`, so the engine, registry, node cache and file confinement are the server's),
 * publishes its events, and returns its output files through Redis. The engine runs off the main thread so that
 * onnxruntime's blocking calls never delay BullMQ's lock renewal (which would make a busy worker look dead).
 */
export class FarmWorker {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  /** Scratch (server/farm/scratch.ts): the model links and the output files of the runs this worker holds. */
  private readonly root: string;
  private readonly outRoot: string;
  private readonly hosts: WorkerHost[] = [];
  private readonly busy = new Set<WorkerHost>();
  private readonly active = new Map<string, Active>();
  private readonly modelNames: Set<string>;
  private readonly advert: WorkerAdvert;
  private readonly overrides: (graph: unknown) => InputOverride[];
  private cmd!: Redis;
  private sub!: Redis;
  private bull?: Worker;
  private bullConnection?: Redis;
  private heartbeat?: NodeJS.Timeout;
  /** Runs this worker passed on (logged once each). */
  private readonly passedOn = new Set<string>();

  constructor(private readonly opts: FarmWorkerOptions) {
    const swept = sweepScratch();
    if (swept.length) opts.log(`removed the scratch folders of ${swept.length} worker(s) of this host no longer running: ${swept.join(', ')}`);
    this.root = createScratch();
    this.outRoot = join(this.root, 'out');
    mkdirSync(this.outRoot);
    // Each models folder is reached as `<root>/m<i>/models`, a symbolic link to it, so a graph's `models/<name>` resolves
    // inside it whatever the folder is called; confinement follows the link to the real folder (engine/file-inputs.ts).
    const searchPaths: string[] = [];
    const confine: string[] = [];
    opts.models.forEach((dir, i) => {
      mkdirSync(join(this.root, `m${i}`));
      symlinkSync(dir, join(this.root, `m${i}`, 'models'), 'dir');
      searchPaths.push(join(this.root, `m${i}`));
      confine.push(join(this.root, `m${i}`, 'models'));
    });
    searchPaths.push(...opts.inputs);
    confine.push(...opts.inputs);
    const models = scanModels(opts.models);
    this.modelNames = new Set(models.map((m) => m.name));
    this.advert = {
      workerId: this.id, host: hostname(), pid: process.pid, concurrency: opts.concurrency, startedAt: new Date().toISOString(), models,
    };
    for (let i = 0; i < opts.concurrency; i++) {
      this.hosts.push(new WorkerHost({ registryModules: opts.registryModules, libraries: opts.libraries, searchPaths, confine }, {
        onEvent: (e) => this.onEvent(e),
        onDone: (runId, outcome) => this.active.get(runId)?.done(outcome),
      }));
    }
    this.overrides = (graph) => providerOverrides(graph, opts.provider);
  }

  get models(): string[] {
    return [...this.modelNames];
  }

  /** Starts the engine threads, advertises this worker and begins taking runs. */
  async start(): Promise<void> {
    // First, and fast: a password or certificate Redis refuses (E_REDIS_AUTH, E_REDIS_TLS) ends the worker here.
    await probeRedis(this.opts.redisUrl);
    await Promise.all(this.hosts.map((h) => h.start()));
    this.cmd = connect(this.opts.redisUrl, `cones-worker-cmd-${this.id}`);
    this.sub = connect(this.opts.redisUrl, `cones-worker-sub-${this.id}`);
    await this.cmd.ping();
    await this.advertise();
    this.heartbeat = setInterval(() => {
      touchScratch(this.root);
      void this.advertise().catch(() => undefined);
    }, HEARTBEAT_MS);
    this.sub.on('message', (_channel: string, runId: string) => this.cancel(runId));
    await this.sub.subscribe(KEYS.cancel);
    this.bullConnection = connect(this.opts.redisUrl, `cones-worker-bull-${this.id}`);
    this.bull = new Worker(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.bullConnection,
      prefix: BULL_PREFIX,
      concurrency: this.opts.concurrency,
      lockDuration: this.opts.lockMs,
      stalledInterval: this.opts.lockMs,
      // One recovery from a dead worker (the run is retried on another); a second stall fails it (E_WORKER_LOST).
      maxStalledCount: 1,
    });
    this.bull.on('error', (err) => this.opts.log(`queue error: ${err.message}`));
    // A run's output folder is removed once BullMQ recorded its end. An attempt whose end could not be recorded (its
    // lock was lost while Redis restarted) keeps it: BullMQ hands the run out again, and if it comes back here the
    // engine serves its nodes from the cache, naming the files of that folder, which are then sent again.
    const forget = (job: Job | undefined) => {
      const runId = (job?.data as { runId?: unknown } | undefined)?.runId;
      if (isRunId(runId)) rmSync(join(this.outRoot, runId), { recursive: true, force: true });
    };
    this.bull.on('completed', forget);
    this.bull.on('failed', forget);
  }

  private async advertise(): Promise<void> {
    await this.cmd.multi()
      .set(KEYS.advert(this.id), JSON.stringify(this.advert), 'EX', ADVERT_TTL_SECONDS)
      .sadd(KEYS.workers, this.id)
      .exec();
  }

  private async process(job: Job, token?: string): Promise<FarmResult> {
    const checked = checkJob(job.data);
    if (typeof checked === 'string') {
      this.opts.log(`refused job ${String(job.id)}: ${checked}`);
      return { outcome: { status: 'error', error: { code: 'E_FARM_JOB_INVALID', message: checked } }, files: [] };
    }
    const runId = checked.runId;
    if (await this.cmd.exists(KEYS.cancelled(runId))) return this.finishEarly(runId, { status: 'interrupted' });
    const missing = checked.models.filter((m) => !holdsAll(this.advert.models, [m], checked.fingerprints));
    if (missing.length) return this.passOn(job, token, missing);
    const host = this.hosts.find((h) => !this.busy.has(h))!;
    this.busy.add(host);
    const runDir = join(this.outRoot, runId);
    this.opts.log(`run ${runId} started (attempt ${job.attemptsMade + 1}, stalled ${job.stalledCounter ?? 0})`);
    await this.publish({ kind: 'start', runId, workerId: this.id });
    try {
      const outcome = await new Promise<RunOutcome>((resolve) => {
        const run: Active = { runId, host, files: new RunFiles(this.cmd, runId, runDir), chain: Promise.resolve(), done: resolve };
        this.active.set(runId, run);
        void host.run({ runId, graph: checked.graph, outputs: checked.outputs, outputDir: runDir, overrides: this.overrides(checked.graph) });
      });
      const run = this.active.get(runId)!;
      clearTimeout(run.killTimer);
      await run.chain;
      let final = markOutputs(run.failure ?? outcome, this.outRoot);
      let files: StoredFile[] = [];
      try {
        await run.files.storeRest();
        files = [...run.files.stored];
      } catch (err) {
        if (!(err instanceof OutputTooLargeError)) throw err;
        final = { status: 'error', error: { code: err.code, message: err.message } };
      }
      const result: FarmResult = { outcome: final, files };
      await this.publish({ kind: 'done', runId, workerId: this.id, result });
      this.opts.log(`run ${runId} ${final.status}`);
      return result;
    } finally {
      this.active.delete(runId);
      this.busy.delete(host);
    }
  }

  /**
   * Routing by model: a run naming a model folder this worker lacks goes back to the queue, unexecuted and unannounced,
   * for PASS_ON_MS (a delayed job keeps its priority), so a worker holding the folder takes it. The server ends a run
   * that no live worker can execute (E_NO_WORKER_FOR_MODEL), so it is not passed around forever.
   */
  private async passOn(job: Job, token: string | undefined, missing: string[]): Promise<never> {
    if (!this.passedOn.has(String(job.id))) {
      this.passedOn.add(String(job.id));
      if (this.passedOn.size > 1000) this.passedOn.clear();
      this.opts.log(`run ${String(job.id)} passed on: this worker lacks ${missing.join(', ')} (or holds other contents under that name)`);
    }
    await job.moveToDelayed(Date.now() + PASS_ON_MS, token);
    throw new DelayedError();
  }

  private async finishEarly(runId: string, outcome: RunOutcome): Promise<FarmResult> {
    const result = { outcome, files: [] };
    await this.publish({ kind: 'done', runId, workerId: this.id, result });
    return result;
  }

  private onEvent(event: RunEvent): void {
    const run = this.active.get(event.runId);
    if (!run) return;
    run.chain = run.chain.then(async () => {
      const marked = markOutputs(event, this.outRoot);
      let files: StoredFile[] | undefined;
      if (event.type === 'node_done' || event.type === 'node_cached') {
        try {
          files = await run.files.storeMentioned(marked);
        } catch (err) {
          if (!(err instanceof OutputTooLargeError)) throw err;
          // Stop the run: its outputs cannot be returned. The run ends with this code instead of the engine's outcome.
          run.failure ??= { status: 'error', error: { code: err.code, message: err.message } };
          run.host.interrupt(run.runId);
        }
      }
      const wire = event.type === 'preview' ? { ...marked, data: Buffer.from(event.data).toString('base64') } : marked;
      await this.publish({ kind: 'event', runId: run.runId, workerId: this.id, event: wire as unknown as RunEvent, files });
    }).catch((err: Error) => this.opts.log(`event of ${run.runId} not sent: ${err.message}`));
  }

  /** Publishes a message; one over the size bound (a huge preview) is dropped rather than sent. */
  private async publish(msg: FarmMessage): Promise<void> {
    const text = JSON.stringify(msg);
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return;
    await this.cmd.publish(KEYS.events, text);
  }

  private cancel(runId: string): void {
    const run = this.active.get(runId);
    if (!run) return;
    run.host.interrupt(runId);
    // A node that never checks for cancellation cannot hold the worker: its engine thread is terminated (cold cache).
    run.killTimer ??= setTimeout(() => void run.host.kill({ status: 'interrupted' }), this.opts.interruptGraceMs).unref();
  }

  /** Graceful stop (SIGTERM): takes no new run, lets the current ones finish, then leaves Redis and exits. */
  async stop(): Promise<void> {
    await this.bull?.close();
    clearInterval(this.heartbeat);
    await this.cmd?.multi().del(KEYS.advert(this.id)).srem(KEYS.workers, this.id).exec().catch(() => undefined);
    await Promise.all(this.hosts.map((h) => h.stop({ status: 'interrupted' })));
    if (this.bullConnection) await quit(this.bullConnection);
    if (this.sub) await quit(this.sub);
    if (this.cmd) await quit(this.cmd);
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** `--provider` applies to every LoadModel node of a run (the graph's own value is what the server's worker uses). */
function providerOverrides(graph: unknown, provider: string | undefined): InputOverride[] {
  if (!provider) return [];
  const nodes = (graph as { nodes?: unknown })?.nodes;
  if (!nodes || typeof nodes !== 'object') return [];
  return Object.entries(nodes as Record<string, { type?: unknown }>)
    .filter(([, n]) => n?.type === 'LoadModel')
    .map(([nodeId]) => ({ nodeId, input: 'provider', text: provider }));
}

