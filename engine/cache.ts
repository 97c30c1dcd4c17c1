import { canonicalJson, sha256 } from './hash';

/**
 * Node outputs kept between runs, keyed by a node's signature: its type, type version, own input values
 * (file inputs by content fingerprint) and, for each linked input, the upstream node's key and output name.
 * So a node's key changes exactly when it or anything upstream changes, and changing a seed re-runs only the
 * seed's descendants. Least recently used entries are dropped beyond `maxEntries`.
 */
/** A cached node result: its outputs and, for output nodes, the UI values (file paths) shown again on a cache hit. */
export interface CacheEntry {
  outputs: Record<string, unknown>;
  ui?: Record<string, unknown>;
}

export class NodeCache {
  private readonly entries = new Map<string, CacheEntry>();
  constructor(readonly maxEntries = 256) {}

  get(key: string): CacheEntry | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, entry: CacheEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface KeyParts {
  type: string;
  version: number;
  literals: Record<string, unknown>;
  fingerprints: Record<string, string>;
  links: Record<string, { key: string; output: string }>;
}

export function nodeKey(parts: KeyParts): string {
  return sha256(canonicalJson(parts));
}
