/**
 * Values computed from a file, kept while the file's size and mtime stay the same: a listing route stats each file
 * per request (cheap) instead of reading and parsing it. A file that cannot be stat'ed is computed every time.
 */
import { statSync } from 'node:fs';

/** size|mtime|inode of a file, or null when it cannot be stat'ed: what says "this file changed" to both caches. */
export function statKey(path: string): string | null {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats ? `${stats.size}|${stats.mtimeMs}|${stats.ino}` : null;
}

export class StatKeyedCache<T> {
  private readonly entries = new Map<string, { key: string; value: T }>();

  get(path: string, compute: () => T): T {
    const key = statKey(path);
    if (key === null) return compute();
    const hit = this.entries.get(path);
    if (hit && hit.key === key) return hit.value;
    const value = compute();
    this.entries.set(path, { key, value });
    return value;
  }

  /** Forgets files no longer listed, so the cache is bounded by the listing. */
  keepOnly(paths: ReadonlySet<string>): void {
    for (const path of this.entries.keys()) if (!paths.has(path)) this.entries.delete(path);
  }
}
