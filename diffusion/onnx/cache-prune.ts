/**
 * Housekeeping of the cache folder (cache-dir.ts). Derived files are named after their source's real path, so a
 * model folder moved, renamed or deleted leaves its derived files behind for good: a patched UNet (the embedded
 * model's is 12 MB; an SD 1.5 one with inline weights 1.7 GB) or a float32 copy of a half-precision export (3.4 GB
 * for SD 1.5). Each time a derived file is written, the cache is pruned of:
 * - derived files whose recorded source (`META_DERIVED_FROM`, written since 2026-12-06) was made on this host and no
 *   longer exists there, with their `.data` file (a patched UNet reads its weights from the source folder, and a
 *   stale one is never reused, so neither can serve again). Files of another host (a cache folder on a shared home)
 *   and files without the record are kept;
 * - a writer's temp file (`*.tmp-<pid>`) or a `.data` file without its model, untouched for a day: a writer renames
 *   its files into place within minutes, so these are what a killed writer left.
 * Only regular files directly in `<cache>/<kind>/` are considered; links are never followed nor removed.
 */
import { existsSync, lstatSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { cacheDir, META_DERIVED_FROM, type DerivedFrom } from './cache-dir';
import { readModelMetadata } from './surgery/model-metadata';

/** A temp or lone data file older than this was left by a writer that died. */
export const ABANDONED_MS = 24 * 3600 * 1000;

export interface PruneResult {
  /** Paths removed. */
  removed: string[];
  bytes: number;
}

export interface PruneOptions {
  dir?: string;
  now?: number;
  host?: string;
}

const TEMP = /\.tmp-\d+$/;

/** The recorded source of a derived model file, or undefined (not ours, older, unreadable). */
function recordedSource(path: string): DerivedFrom | undefined {
  try {
    const value = readModelMetadata(path).get(META_DERIVED_FROM);
    if (!value) return undefined;
    const parsed = JSON.parse(value) as Partial<DerivedFrom>;
    return typeof parsed.host === 'string' && typeof parsed.path === 'string' && parsed.path.startsWith('/')
      ? { host: parsed.host, path: parsed.path } : undefined;
  } catch {
    return undefined;
  }
}

function regularFile(path: string): Stats | undefined {
  try {
    const st = lstatSync(path);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

/** Removes what can never be used again from the cache folder (see above). Never throws. */
export function pruneCache(opts: PruneOptions = {}): PruneResult {
  const root = opts.dir ?? cacheDir();
  const now = opts.now ?? Date.now();
  const host = opts.host ?? hostname();
  const result: PruneResult = { removed: [], bytes: 0 };
  const remove = (path: string, st: Stats) => {
    try {
      rmSync(path, { force: true });
      result.removed.push(path);
      result.bytes += st.size;
    } catch {
      // Not ours to remove (permissions) or gone meanwhile: left as it is.
    }
  };
  let kinds: string[];
  try {
    kinds = readdirSync(root);
  } catch {
    return result;
  }
  for (const kind of kinds) {
    const dir = join(root, kind);
    let names: string[];
    try {
      if (!lstatSync(dir).isDirectory()) continue;
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      const st = regularFile(path);
      if (!st) continue;
      const old = now - st.mtimeMs > ABANDONED_MS;
      if (TEMP.test(name)) {
        if (old) remove(path, st);
      } else if (name.endsWith('.data')) {
        if (old && !existsSync(path.slice(0, -'.data'.length))) remove(path, st);
      } else if (name.endsWith('.onnx')) {
        const source = recordedSource(path);
        if (!source || source.host !== host || existsSync(source.path)) continue;
        remove(path, st);
        const data = regularFile(`${path}.data`);
        if (data) remove(`${path}.data`, data);
      }
    }
  }
  return result;
}
