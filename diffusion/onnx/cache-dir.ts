/**
 * Where derived model files go (patched UNets, float32 copies of half-precision exports): a per-user cache, never
 * the model folder, which may be shared or read-only. Names are derived from the source's real path, so one source
 * has one derived file of each kind; the file's own metadata says whether it is still current.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** `CONES_CACHE_DIR`, else `$XDG_CACHE_HOME/cones-graph`, else `~/.cache/cones-graph`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CONES_CACHE_DIR) return resolve(env.CONES_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'cones-graph');
}

/** `<cache>/<kind>/<folder>-<stem>-<hash of the source's real path><suffix>`, e.g. `unet-model-1a2b....layout.onnx`. */
export function cachedFileName(kind: string, sourcePath: string, suffix: string): string {
  const real = existsSync(sourcePath) ? realpathSync(sourcePath) : resolve(sourcePath);
  const id = createHash('sha256').update(real).digest('hex').slice(0, 16);
  const stem = basename(dirname(real)) + '-' + basename(real, extname(real));
  return join(cacheDir(), kind, `${stem}-${id}${suffix}`);
}
