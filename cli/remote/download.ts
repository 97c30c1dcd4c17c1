import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside } from '../../engine';
import { answerError, protocolError } from './answers';
import type { RemoteConfig } from './config';
import { RemoteError } from './errors';
import { openExchange } from './http';
import { numberedName, safeBasename } from './safe-name';

/** Only a run's outputs are fetched, and only from the server itself (the token is never sent anywhere else). */
const OUTPUT_URL = /^\/api\/files\/outputs\/[^\s]{1,2000}$/;

export function isOutputUrl(value: unknown): value is string {
  return typeof value === 'string' && OUTPUT_URL.test(value);
}

/** Every output URL deep in a JSON-like value (an event's `ui`, a history entry's `files`). */
export function outputUrls(value: unknown, found: string[] = []): string[] {
  if (isOutputUrl(value)) found.push(value);
  else if (Array.isArray(value)) for (const item of value) outputUrls(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) outputUrls(item, found);
  return found;
}

const NAME_ATTEMPTS = 10_000;

/** Creates `name` in `dir`, or `stem-1.ext`, ...: exclusive creation, so no file (or symbolic link) is ever replaced. */
async function createUnique(dir: string, name: string): Promise<{ path: string; handle: FileHandle }> {
  for (let n = 0; n < NAME_ATTEMPTS; n++) {
    const path = join(dir, numberedName(name, n));
    if (!isInside(dir, path) || path === dir) throw protocolError('a plain output file name', name);
    try {
      return { path, handle: await open(path, 'wx') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new RemoteError('E_DOWNLOAD_TOO_LARGE', `Expected a free name for ${name} in ${dir} but ${NAME_ATTEMPTS} are taken.`);
}

/**
 * The run's output files, fetched into the output folder: each under a safe plain name (safe-name.ts), never over an
 * existing file, each at most maxFileBytes, all together at most maxTotalBytes and maxFiles (E_DOWNLOAD_TOO_LARGE,
 * the partial file removed). Remembers URL -> local path, so a file named twice is fetched once.
 */
export class Downloads {
  private readonly saved = new Map<string, string>();
  private total = 0;

  constructor(private readonly cfg: RemoteConfig, readonly dir: string) {}

  /** Fetches every output URL in `value` not fetched yet, then returns `value` with those URLs as local paths. */
  async localize<T>(value: T): Promise<T> {
    for (const url of outputUrls(value)) await this.fetch(url);
    const walk = (item: unknown): unknown => {
      if (typeof item === 'string') return this.saved.get(item) ?? item;
      if (Array.isArray(item)) return item.map(walk);
      if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([k, x]) => [k, walk(x)]));
      return item;
    };
    return walk(value) as T;
  }

  get paths(): string[] {
    return [...this.saved.values()];
  }

  async fetch(url: string): Promise<string> {
    const known = this.saved.get(url);
    if (known) return known;
    if (this.saved.size >= this.cfg.maxFiles) {
      throw new RemoteError('E_DOWNLOAD_TOO_LARGE', `Expected at most ${this.cfg.maxFiles} output files but the server names more.`,
        'CONES_SERVER_MAX_FILES raises the bound.');
    }
    const ex = await openExchange(this.cfg, 'GET', url);
    const status = ex.res.statusCode ?? 0;
    if (status !== 200) {
      const text = await new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        let size = 0;
        ex.res.on('data', (c: Buffer) => { if ((size += c.length) <= 65_536) chunks.push(c); else ex.res.destroy(); });
        ex.res.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        ex.res.on('error', () => undefined);
      });
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: answerError reports it as a protocol error
      }
      throw status >= 400 ? answerError(status, body) : protocolError(`the file ${url} (HTTP 200)`, `HTTP ${status}`);
    }
    const bound = Math.min(this.cfg.maxFileBytes, this.cfg.maxTotalBytes - this.total);
    const declared = Number(ex.res.headers['content-length']);
    if (declared > bound) {
      ex.res.destroy();
      throw this.tooLarge(url, declared);
    }
    await mkdir(this.dir, { recursive: true });
    const { path, handle } = await createUnique(this.dir, safeBasename(url));
    let size = 0;
    try {
      for await (const chunk of ex.res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > bound) {
          ex.res.destroy();
          throw this.tooLarge(url, size);
        }
        await handle.write(chunk);
      }
      if (!ex.res.complete) throw ex.failure() ?? protocolError(`the whole file ${url}`, 'a connection closed mid-file');
    } catch (err) {
      await handle.close();
      await unlink(path).catch(() => undefined);
      if (err instanceof RemoteError) throw err;
      throw ex.failure() ?? protocolError(`the whole file ${url}`, `a broken connection (${(err as Error).message})`);
    }
    await handle.close();
    this.total += size;
    this.saved.set(url, path);
    return path;
  }

  private tooLarge(url: string, size: number): RemoteError {
    const perFile = this.cfg.maxFileBytes <= this.cfg.maxTotalBytes - this.total;
    const bound = perFile ? `${this.cfg.maxFileBytes} bytes per file (CONES_SERVER_MAX_FILE_BYTES)`
      : `${this.cfg.maxTotalBytes} bytes for all files (CONES_SERVER_MAX_TOTAL_BYTES)`;
    return new RemoteError('E_DOWNLOAD_TOO_LARGE', `Expected output files of at most ${bound} but ${url} has ${size} or more; ` +
      'the download was cut and its partial file removed.', 'Raise the bound if the file is expected.');
  }
}
