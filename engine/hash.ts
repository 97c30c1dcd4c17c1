import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** JSON with object keys sorted, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

const fileMemo = new Map<string, { stamp: string; digest: string }>();

/**
 * Content fingerprint of a file (sha256 of its bytes, memoised by path + size + mtime), or of a folder
 * (its listing: relative path, size and mtime of every file; hashing gigabytes of weights on every run
 * would cost more than it protects). A missing path fingerprints as missing: the node reports it.
 */
export function fingerprintPath(path: string, kind: 'file' | 'dir'): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    return `missing:${path}`;
  }
  if (kind === 'file' || !st.isDirectory()) {
    if (!st.isFile()) return `not-a-file:${path}`;
    const stamp = `${st.size}:${st.mtimeMs}`;
    const memo = fileMemo.get(path);
    if (memo?.stamp === stamp) return memo.digest;
    const digest = sha256(readFileSync(path));
    fileMemo.set(path, { stamp, digest });
    return digest;
  }
  const entries: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4) return;
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      let stats;
      try {
        stats = statSync(full);
      } catch {
        entries.push(`${relative(path, full)}:unreadable`); // a dangling link: the loader reports it if it matters
        continue;
      }
      if (stats.isDirectory()) walk(full, depth + 1);
      else entries.push(`${relative(path, full)}:${stats.size}:${stats.mtimeMs}`);
    }
  };
  walk(path, 0);
  return sha256(entries.join('\n'));
}
