import { open, readFile, rename } from 'node:fs/promises';

/**
 * Writes a whole file so a crash leaves either the old or the new content, never a torn one:
 * write a temporary file beside it, fsync, rename over. Saves made while a write is in flight coalesce
 * into one more write of the latest content.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

export class AtomicJsonFile<T> {
  private latest?: { value: T };
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

  save(value: T): void {
    this.latest = { value };
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
  }

  /** Resolves when everything saved so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.latest) {
      const { value } = this.latest;
      this.latest = undefined;
      try {
        await writeFileAtomic(this.path, JSON.stringify(value));
      } catch (err) {
        console.error(`[server] could not write ${this.path}: ${(err as Error).message}`);
      }
    }
  }
}
