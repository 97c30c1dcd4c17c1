import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { NodeRegistry } from '../../engine';
import { loadGraph } from '../../engine';

/**
 * Which model folders a run needs, and which a worker holds. A model folder is named as graphs name it,
 * `models/<folder>` (the server's and the CLI's convention): a worker started with `--models DIR` holds every
 * `models/<sub>` for which DIR/<sub>/model_index.json exists.
 */

/** Files whose content enters the fingerprint (small configs); the weights enter by name and size only. */
const HASHED = /(^|\/)(model_index\.json|[^/]*config\.json)$/;
const MAX_ENTRIES = 10_000;
const MAX_HASHED_BYTES = 1024 * 1024;

/** The `models/<name>` form of a folder value from a graph, or undefined when it is not one. */
export function modelName(value: string): string | undefined {
  const norm = posix.normalize(value.replaceAll('\\', '/')).replace(/\/+$/, '');
  const parts = norm.split('/');
  return parts.length === 2 && parts[0] === 'models' && parts[1] !== '..' && parts[1] !== '.' ? norm : undefined;
}

/** The model folders named by the literal `dir` inputs of a graph (linked values cannot be known before the run). */
export function modelsNeeded(
  graph: unknown, registry: NodeRegistry, outputs?: string[], libraries: readonly string[] = [],
): string[] {
  const found = new Set<string>();
  const { validated } = loadGraph(graph, registry, outputs, [], { libraries });
  for (const node of validated.nodes.values()) {
    for (const [name, spec] of Object.entries(node.def.inputs)) {
      const value = node.literals[name];
      if (spec.file !== 'dir' || typeof value !== 'string') continue;
      const model = modelName(value);
      if (model) found.add(model);
    }
  }
  return [...found].sort();
}

/** A content fingerprint of a model folder: relative names and sizes of every file, and the bytes of its configs. */
export function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  let count = 0;
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (++count > MAX_ENTRIES) return;
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      const full = join(dir, rel);
      const info = statSync(full);
      if (info.isDirectory()) walk(rel);
      else if (info.isFile()) {
        hash.update(`${rel}\0${info.size}\0`);
        if (HASHED.test(rel) && info.size <= MAX_HASHED_BYTES) hash.update(readFileSync(full));
      }
    }
  };
  walk('');
  return hash.digest('hex').slice(0, 16);
}

/** The model folders under each of `dirs`, with fingerprints (first folder wins for a name held twice). */
export function scanModels(dirs: readonly string[]): Array<{ name: string; fingerprint: string }> {
  const out = new Map<string, string>();
  for (const dir of dirs) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      continue; // a missing folder holds nothing; the worker says which folders it found
    }
    for (const name of entries) {
      const key = `models/${name}`;
      if (out.has(key)) continue;
      try {
        if (statSync(join(dir, name, 'model_index.json')).isFile()) out.set(key, fingerprint(join(dir, name)));
      } catch {
        // not a model folder
      }
    }
  }
  return [...out].map(([name, fp]) => ({ name, fingerprint: fp }));
}
