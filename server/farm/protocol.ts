import type { RunEvent } from '../../engine';
import type { RunOutcome } from '../worker/protocol';

/**
 * What travels through Redis between the server and `cones worker` processes, and the bounds on it. Everything read
 * from Redis is checked here before use: whoever can write to that Redis can hand a worker a job or the server a
 * message, so both sides treat them as untrusted input (the worker's engine re-validates the graph and confines files).
 */

/** BullMQ's key prefix and queue name: jobs live under `cones:runs:*`; our own keys under `cones:farm:*`. */
export const BULL_PREFIX = 'cones';
export const QUEUE_NAME = 'runs';
export const KEYS = {
  /** Pub/sub: every message a worker sends the server (events, start, done), JSON. */
  events: 'cones:farm:events',
  /** Pub/sub: run ids to interrupt. */
  cancel: 'cones:farm:cancel',
  /** A run interrupted before a worker took it: the worker that takes it ends it at once (TTL). */
  cancelled: (runId: string) => `cones:farm:cancelled:${runId}`,
  /** Set of worker ids; each id's advert is a key with a TTL, refreshed by the worker's heartbeat. */
  workers: 'cones:farm:workers',
  advert: (workerId: string) => `cones:farm:worker:${workerId}`,
  /** One output file of a run, raw bytes (TTL): workers need no shared disk. */
  file: (runId: string, index: number) => `cones:farm:file:${runId}:${index}`,
} as const;

/** A job's JSON (graph included) may be as large as the REST body that submitted it. */
export const MAX_JOB_BYTES = 5 * 1024 * 1024;
/** One pub/sub message (a preview is a small PNG; the rest is small JSON). Larger ones are dropped by both sides. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Output files of one run, returned through Redis. */
export const MAX_RUN_FILES = 256;
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
export const MAX_RUN_FILE_BYTES = 128 * 1024 * 1024;
/** How long output files and cancel marks stay in Redis if nobody collects them. */
export const KEY_TTL_SECONDS = 3600;
/** Worker adverts expire this long after the last heartbeat (so a killed worker disappears). */
export const ADVERT_TTL_SECONDS = 6;
export const HEARTBEAT_MS = 2000;
/** At most this many workers are listed (a larger set is a misconfiguration or an attack on the server). */
export const MAX_WORKERS_LISTED = 1000;
const RUN_ID = /^[A-Za-z0-9_-]{1,100}$/;
const MAX_OUTPUTS = 1000;

/** In paths that cross the wire, a worker's output folder is named by this marker (machines differ in layout). */
export const OUTPUT_MARK = 'cones-output:';

/** The BullMQ job data. */
export interface FarmJob {
  runId: string;
  graph: unknown;
  outputs?: string[];
  /** Model folders (as written in the graph, e.g. `models/shapes`) the run needs a worker to hold. */
  models: string[];
  /** The server's fingerprint of each of `models` it could resolve: a worker must hold the folder with the same one. */
  fingerprints?: Record<string, string>;
}

/** One output file stored in Redis: `rel` inside the run's output folder. */
export interface StoredFile {
  rel: string;
  key: string;
  size: number;
}

/** The job's return value, also sent as the `done` message. */
export interface FarmResult {
  outcome: RunOutcome;
  files: StoredFile[];
}

export type FarmMessage =
  | { kind: 'start'; runId: string; workerId: string }
  | { kind: 'event'; runId: string; workerId: string; event: RunEvent; files?: StoredFile[] }
  | { kind: 'done'; runId: string; workerId: string; result: FarmResult };

export interface WorkerAdvert {
  workerId: string;
  host: string;
  pid: number;
  concurrency: number;
  startedAt: string;
  /** Model folder names (`models/<name>`) and a fingerprint of each (file names, sizes, small config contents). */
  models: Array<{ name: string; fingerprint: string }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown, max: number): v is string[] =>
  Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string' && x.length <= 1000);

export function isRunId(v: unknown): v is string {
  return typeof v === 'string' && RUN_ID.test(v);
}

/** The job data if it has the expected shape, else a sentence saying what is wrong. */
export function checkJob(data: unknown): FarmJob | string {
  if (!isObject(data)) return 'Expected the job data to be an object.';
  if (!isRunId(data.runId)) return 'Expected `runId` to be 1-100 letters, digits, "-" or "_".';
  if (data.outputs !== undefined && !isStringList(data.outputs, MAX_OUTPUTS)) return 'Expected `outputs` to be a list of node ids.';
  if (!isStringList(data.models, MAX_OUTPUTS)) return 'Expected `models` to be a list of model folder names.';
  const fps = data.fingerprints;
  if (fps !== undefined && (!isObject(fps) || Object.values(fps).some((v) => typeof v !== 'string' || v.length > 100))) {
    return 'Expected `fingerprints` to map model folder names to fingerprints.';
  }
  const size = Buffer.byteLength(JSON.stringify(data.graph ?? null));
  if (size > MAX_JOB_BYTES) return `Expected a graph of at most ${MAX_JOB_BYTES} bytes but received ${size}.`;
  return {
    runId: data.runId, graph: data.graph, outputs: data.outputs as string[] | undefined, models: data.models,
    fingerprints: fps as Record<string, string> | undefined,
  };
}

function checkFiles(v: unknown): StoredFile[] | undefined {
  if (!Array.isArray(v) || v.length > MAX_RUN_FILES) return undefined;
  const ok = v.every((f) => isObject(f) && typeof f.rel === 'string' && f.rel.length <= 1000 && typeof f.key === 'string' &&
    f.key.startsWith('cones:farm:file:') && Number.isInteger(f.size) && (f.size as number) >= 0 && (f.size as number) <= MAX_FILE_BYTES);
  return ok ? (v as StoredFile[]) : undefined;
}

function checkOutcome(v: unknown): RunOutcome | undefined {
  if (!isObject(v)) return undefined;
  if (v.status === 'ok') {
    // `ui` (every output node's) fills in history when the server missed events (a restart, a reconnect).
    const ok = Array.isArray(v.executed) && Array.isArray(v.cached) && typeof v.ms === 'number' && (v.ui === undefined || isObject(v.ui));
    return ok ? (v as unknown as RunOutcome) : undefined;
  }
  if (v.status === 'error') return isObject(v.error) && typeof v.error.code === 'string' && typeof v.error.message === 'string' ? (v as unknown as RunOutcome) : undefined;
  if (v.status === 'interrupted') return v.nodeId === undefined || typeof v.nodeId === 'string' ? (v as unknown as RunOutcome) : undefined;
  return undefined;
}

export function checkResult(v: unknown): FarmResult | undefined {
  if (!isObject(v)) return undefined;
  const outcome = checkOutcome(v.outcome);
  const files = checkFiles(v.files);
  return outcome && files ? { outcome, files } : undefined;
}

const EVENT_TYPES = new Set(['run_start', 'node_cached', 'node_start', 'progress', 'preview', 'node_done', 'run_done', 'run_error', 'interrupted']);

/** A pub/sub message from a worker, parsed and checked, or undefined (dropped). */
export function parseMessage(text: string): FarmMessage | undefined {
  if (text.length > MAX_MESSAGE_BYTES) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(m) || !isRunId(m.runId) || typeof m.workerId !== 'string' || m.workerId.length > 200) return undefined;
  if (m.kind === 'start') return m as FarmMessage;
  if (m.kind === 'done') {
    const result = checkResult(m.result);
    return result ? { kind: 'done', runId: m.runId, workerId: m.workerId, result } : undefined;
  }
  if (m.kind !== 'event' || !isObject(m.event) || typeof m.event.type !== 'string' || !EVENT_TYPES.has(m.event.type)) return undefined;
  if (m.event.runId !== m.runId) return undefined;
  const files = m.files === undefined ? undefined : checkFiles(m.files);
  if (m.files !== undefined && !files) return undefined;
  const event = m.event.type === 'preview' && typeof m.event.data === 'string'
    ? { ...m.event, data: new Uint8Array(Buffer.from(m.event.data, 'base64')) }
    : m.event;
  return { kind: 'event', runId: m.runId, workerId: m.workerId, event: event as unknown as RunEvent, files };
}

export function parseAdvert(text: string | null): WorkerAdvert | undefined {
  if (!text || text.length > MAX_MESSAGE_BYTES) return undefined;
  try {
    const a = JSON.parse(text) as unknown;
    if (!isObject(a) || typeof a.workerId !== 'string' || !Array.isArray(a.models)) return undefined;
    const models = a.models.filter((m): m is { name: string; fingerprint: string } =>
      isObject(m) && typeof m.name === 'string' && typeof m.fingerprint === 'string');
    return { ...(a as unknown as WorkerAdvert), models };
  } catch {
    return undefined;
  }
}
