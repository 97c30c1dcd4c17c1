import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Redis } from 'ioredis';
import { resolveInFolder, safeSegments } from '../paths';
import {
  KEY_TTL_SECONDS, KEYS, MAX_FILE_BYTES, MAX_RUN_FILE_BYTES, MAX_RUN_FILES, OUTPUT_MARK, type StoredFile,
} from './protocol';

/**
 * Output files travel from a worker's private output folder to the server's `outputs/<runId>/` through Redis keys
 * with a TTL, so workers need no shared disk and no inbound port. Paths inside events and outcomes name the
 * worker's output root by a marker (`cones-output:<runId>/<file>`), which the server turns back into its own path
 * (and from there into `/api/files/outputs/...` URLs, as for runs of its own worker thread).
 */

export class OutputTooLargeError extends Error {
  readonly code = 'E_OUTPUT_TOO_LARGE';
}

/** Applies `fn` to every string deep inside a JSON-like value (byte arrays are left alone). */
export function mapStrings<T>(value: T, fn: (s: string) => string): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return fn(item);
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object' && !ArrayBuffer.isView(item)) {
      return Object.fromEntries(Object.entries(item).map(([k, x]) => [k, walk(x)]));
    }
    return item;
  };
  return walk(value) as T;
}

/** Worker side: absolute paths under `outRoot` become marker paths. */
export function markOutputs<T>(value: T, outRoot: string): T {
  const prefix = outRoot + sep;
  return mapStrings(value, (s) => (s.startsWith(prefix) ? OUTPUT_MARK + s.slice(prefix.length).split(sep).join('/') : s));
}

/** Server side: marker paths become paths in the server's outputs folder (a marker that would climb out stays text). */
export function unmarkOutputs<T>(value: T, outputs: string): T {
  return mapStrings(value, (s) => {
    if (!s.startsWith(OUTPUT_MARK)) return s;
    try {
      const segments = safeSegments(s.slice(OUTPUT_MARK.length));
      return segments.length ? join(outputs, ...segments) : s;
    } catch {
      return s;
    }
  });
}

/** Worker side: what one run has stored so far (so a file is sent once, and the bounds hold for the whole run). */
export class RunFiles {
  private readonly sent = new Set<string>();
  /** Every file stored so far (the job's return value lists them all, in case the server missed an event). */
  readonly stored: StoredFile[] = [];
  private bytes = 0;
  private index = 0;

  constructor(private readonly redis: Redis, private readonly runId: string, private readonly runDir: string) {}

  /** Stores the files named by marker paths inside `value` that lie in this run's folder and were not sent yet. */
  async storeMentioned(value: unknown): Promise<StoredFile[]> {
    const mark = `${OUTPUT_MARK}${this.runId}/`;
    const rels: string[] = [];
    mapStrings(value, (s) => {
      if (s.startsWith(mark)) rels.push(s.slice(mark.length));
      return s;
    });
    return this.store(rels);
  }

  /** Stores every file of the run's folder not sent yet (files no event mentioned). */
  async storeRest(): Promise<StoredFile[]> {
    const rels: string[] = [];
    const walk = async (sub: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.runDir, sub), { withFileTypes: true });
      } catch {
        return; // the run wrote nothing
      }
      for (const e of entries) {
        const rel = sub ? `${sub}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(rel);
        else if (e.isFile()) rels.push(rel);
        if (rels.length > MAX_RUN_FILES) return;
      }
    };
    await walk('');
    return this.store(rels);
  }

  private async store(rels: string[]): Promise<StoredFile[]> {
    const out: StoredFile[] = [];
    for (const rel of rels) {
      if (this.sent.has(rel)) continue;
      const path = join(this.runDir, ...safeSegments(rel));
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (this.sent.size + 1 > MAX_RUN_FILES) throw new OutputTooLargeError(`Expected at most ${MAX_RUN_FILES} output files per run.`);
      if (info.size > MAX_FILE_BYTES) {
        throw new OutputTooLargeError(`Expected output files of at most ${MAX_FILE_BYTES} bytes but ${rel} has ${info.size}.`);
      }
      if (this.bytes + info.size > MAX_RUN_FILE_BYTES) {
        throw new OutputTooLargeError(`Expected at most ${MAX_RUN_FILE_BYTES} bytes of output files per run.`);
      }
      const key = KEYS.file(this.runId, this.index++);
      await this.redis.set(key, await readFile(path), 'EX', KEY_TTL_SECONDS);
      this.sent.add(rel);
      this.bytes += info.size;
      out.push({ rel, key, size: info.size });
      this.stored.push({ rel, key, size: info.size });
    }
    return out;
  }
}

/** Server side: writes stored files into `outputs/<runId>/`, then deletes their keys. Returns how many were written.
 *  A key already gone (collected by a previous server before a restart) is skipped: its file is on disk already. */
export async function collectFiles(redis: Redis, runId: string, outputs: string, files: StoredFile[]): Promise<number> {
  const runDir = join(outputs, runId);
  let written = 0;
  for (const f of files) {
    if (!f.key.startsWith(KEYS.file(runId, 0).slice(0, -1))) continue; // another run's key: not this run's to take
    const data = await redis.getBuffer(f.key);
    if (data && data.length <= MAX_FILE_BYTES) {
      const target = resolveInFolder(runDir, f.rel);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
      written++;
    }
    // Deleted only once the file is written: a server stopped in between leaves the key for the next one (re-attach).
    await redis.del(f.key);
  }
  return written;
}
