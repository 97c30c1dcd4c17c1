/**
 * Where derived model files go (patched UNets, float32 copies of half-precision exports): a per-user cache, never
 * the model folder, which may be shared or read-only. Names are derived from the source's real path, so one source
 * has one derived file of each kind; the file's own metadata says whether it is still current.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** `CONES_CACHE_DIR`, else `$XDG_CACHE_HOME/cones-graph`, else `~/.cache/cones-graph`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CONES_CACHE_DIR) return resolve(env.CONES_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'cones-graph');
}

/** `<cache>/<kind>/<folder>-<stem>-<hash of the source's real path><suffix>`, e.g. `unet-model-1a2b....layout.onnx`. */
export function cachedFileName(kind: string, sourcePath: string, suffix: string): string {
  const real = realSource(sourcePath);
  const id = createHash('sha256').update(real).digest('hex').slice(0, 16);
  const stem = basename(dirname(real)) + '-' + basename(real, extname(real));
  return join(cacheDir(), kind, `${stem}-${id}${suffix}`);
}

/** Metadata key of every derived file: the source's real path and the host that made it (cache-prune.ts). */
export const META_DERIVED_FROM = 'cones.cache.derived_from';

export interface DerivedFrom {
  host: string;
  path: string;
}

/** The `META_DERIVED_FROM` value for a derived file of `sourcePath` made on this host. */
export function derivedFrom(sourcePath: string): string {
  return JSON.stringify({ host: hostname(), path: realSource(sourcePath) } satisfies DerivedFrom);
}

/** The source's real path (links resolved), or its absolute path when it does not exist. */
function realSource(sourcePath: string): string {
  return existsSync(sourcePath) ? realpathSync(sourcePath) : resolve(sourcePath);
}
