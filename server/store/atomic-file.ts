import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a whole file so a crash leaves either the old or the new content, never a torn one:
 * write a temporary file beside it, fsync, rename over. Saves made while a write is in flight coalesce
 * into one more write of the latest content.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeAndSync(tmp, 'w', content);
  await rename(tmp, path);
  // The rename itself is durable only once the folder's entry is: fsync the folder too.
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** Writes (flags 'w') or appends (flags 'a') `content` and fsyncs it before resolving. */
export async function writeAndSync(path: string, flags: 'w' | 'a', content: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes `name.PID.tmp` files a killed process left beside `path` (its atomic writes never reached the rename).
 * Call before the first write of a new process.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && /^\d+\.tmp$/.test(name.slice(prefix.length))) await unlink(join(dirname(path), name)).catch(() => {});
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class AtomicJsonFile<T> {
  private latest?: { value: T; waiters: Waiter[] };
  private writing?: Promise<void>;

  constructor(readonly path: string) {}

  /** The parsed file, undefined when missing; a corrupt file is reported and treated as missing. */
  async read(): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      console.error(`[server] ignoring corrupt ${this.path}`);
      return undefined;
    }
  }

  /**
   * Saves `value` (a later save supersedes it). The promise resolves once this value or a later one is on disk
   * (fsynced and renamed into place) and rejects if that write failed: callers that acknowledge something to a
   * client wait for it; others may ignore it (failures are logged either way).
   */
  save(value: T): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.latest) {
        this.latest.value = value;
        this.latest.waiters.push(waiter);
      } else {
        this.latest = { value, waiters: [waiter] };
      }
    });
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
    return done;
  }

  /** Resolves when everything saved so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.latest) {
      const { value, waiters } = this.latest;
      this.latest = undefined;
      try {
        await writeFileAtomic(this.path, JSON.stringify(value));
        for (const w of waiters) w.resolve();
      } catch (err) {
        console.error(`[server] could not write ${this.path}: ${(err as Error).message}`);
        for (const w of waiters) w.reject(err as Error);
      }
    }
  }
}
