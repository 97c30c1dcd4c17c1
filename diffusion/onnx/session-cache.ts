/**
 * Process-wide session cache. A key is the absolute path plus the file's size and mtime (so a model
 * rewritten in place, e.g. a re-patched UNet, opens fresh) plus every option that changes the session.
 * Pending creations are shared, so two callers racing for the same model open it once.
 */
import { statSync } from 'node:fs';
import type { LoadedSession } from './session';

const cache = new Map<string, Promise<LoadedSession>>();

export function sessionCacheKey(absolute: string, options: Record<string, string | number>): string {
  const stat = statSync(absolute);
  const opts = Object.keys(options).sort().map((k) => `${k}=${options[k]}`).join(';');
  return `${absolute}|${stat.size}|${stat.mtimeMs}|${opts}`;
}

export function cachedSession(key: string, open: () => Promise<LoadedSession>): Promise<LoadedSession> {
  let entry = cache.get(key);
  if (!entry) {
    entry = open();
    cache.set(key, entry);
    // A failed open must not poison the cache: the user may fix the file and retry.
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

/** Drops every cached session and releases its native memory. */
export async function clearSessionCache(): Promise<void> {
  const entries = [...cache.values()];
  cache.clear();
  for (const entry of entries) {
    const loaded = await entry.catch(() => undefined);
    await loaded?.session.release();
  }
}

export function sessionCacheSize(): number {
  return cache.size;
}
