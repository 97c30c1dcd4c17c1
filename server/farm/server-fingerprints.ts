import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from './models';

/** How long a folder's fingerprint is reused before it is computed again (a folder replaced meanwhile is seen then). */
const TTL_MS = 10_000;
const cache = new Map<string, { fingerprint: string; at: number }>();

/**
 * The fingerprints (models.ts `fingerprint`) of the model folders a run names, as the server resolves them: the first
 * of `bases` holding `<name>/model_index.json`, as the engine resolves a relative file input. A worker executes the
 * run only if it holds each folder with the same fingerprint (same file names and sizes, same small configs). A name
 * the server cannot resolve has no entry (the run is then routed by name alone).
 */
export function serverFingerprints(models: readonly string[], bases: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of models) {
    for (const base of bases) {
      const dir = join(base, name);
      try {
        if (!statSync(join(dir, 'model_index.json')).isFile()) continue;
      } catch {
        continue;
      }
      const hit = cache.get(dir);
      if (hit && Date.now() - hit.at < TTL_MS) out[name] = hit.fingerprint;
      else {
        out[name] = fingerprint(dir);
        cache.set(dir, { fingerprint: out[name], at: Date.now() });
      }
      break;
    }
  }
  return out;
}

/** True when a worker's advertised folders cover every model the run needs, with matching fingerprints where known. */
export function holdsAll(
  held: ReadonlyArray<{ name: string; fingerprint: string }>, models: readonly string[], fingerprints: Readonly<Record<string, string>> = {},
): boolean {
  return models.every((m) => held.some((h) => h.name === m && (fingerprints[m] === undefined || fingerprints[m] === h.fingerprint)));
}
