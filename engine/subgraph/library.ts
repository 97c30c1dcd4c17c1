import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readFileBounded } from '../bounded-read';
import type { GraphIssue } from '../errors';
import { isInside } from '../file-inputs';
import { sha256 } from '../hash';
import { LIB_PREFIX, MAX_SUBGRAPH_FILE_BYTES } from './names';
import { SUBGRAPH_NAME_PATTERN } from '../schema/graph-file';

/**
 * Library folders: `lib/NAME` is the file NAME.json in the first folder that has one. The name was checked against
 * SUBGRAPH_NAME_PATTERN (no dots, no slashes) before it gets here; the file must still resolve, symbolic links
 * followed, inside its folder, be a regular file (never a FIFO, which would block the open) and be at most
 * MAX_SUBGRAPH_FILE_BYTES, read with a bound rather than trusted from stat.
 */
export interface LibraryFile {
  path: string;
  text: string;
  bytes: number;
  /** sha256 (hex) of the file's bytes: what a `sha256` pin compares with. */
  sha256: string;
}

export type LibraryLookup = { found: LibraryFile } | { missing: true } | { issue: Omit<GraphIssue, 'nodeId' | 'nodeType'> };

export function findLibraryFile(name: string, folders: readonly string[]): LibraryLookup {
  for (const folder of folders) {
    const root = resolve(folder);
    const candidate = join(root, `${name}.json`);
    if (!isInside(root, candidate)) continue; // cannot happen with a checked name; kept as the last line of defence
    if (statSync(candidate, { throwIfNoEntry: false }) === undefined) continue;
    let real: string;
    try {
      real = realpathSync(candidate);
      if (!isInside(realpathSync(root), real)) {
        return { issue: { code: 'E_FILE_NOT_ALLOWED', message: `Library subgraph "${LIB_PREFIX}${name}" leads outside its library folder through a symbolic link.`, hint: 'Keep library subgraphs as regular files inside the library folder.' } };
      }
    } catch (err) {
      return { issue: { code: 'E_GRAPH_FILE', message: `Cannot read library subgraph ${candidate}: ${(err as Error).message}.` } };
    }
    return readBounded(real);
  }
  return { missing: true };
}

function readBounded(path: string): LibraryLookup {
  try {
    const read = readFileBounded(path, MAX_SUBGRAPH_FILE_BYTES);
    if ('refused' in read) {
      const message = read.refused === 'not-a-file'
        ? `Expected library subgraph ${path} to be a regular file but it is not.`
        : `Expected a library subgraph of at most ${MAX_SUBGRAPH_FILE_BYTES} bytes but ${path} has ${read.size}.`;
      return { issue: { code: 'E_GRAPH_FILE', message } };
    }
    return { found: { path, text: read.bytes.toString('utf8'), bytes: read.bytes.length, sha256: sha256(read.bytes) } };
  } catch (err) {
    return { issue: { code: 'E_GRAPH_FILE', message: `Cannot read library subgraph ${path}: ${(err as Error).message}.` } };
  }
}

/** Library entries listed per folder; a folder with more is listed in part (`cones nodes`, the editor's menu). */
export const MAX_LIBRARY_LISTING = 1000;

/** The `lib/NAME` types the folders offer, first folder first; a name in two folders is listed once (the first wins). */
export function listLibrary(folders: readonly string[]): string[] {
  return listLibraryFiles(folders).map((f) => f.type);
}

/** listLibrary with the file each type comes from (the one findLibraryFile reads). */
export function listLibraryFiles(folders: readonly string[]): { type: string; path: string }[] {
  const name = new RegExp(SUBGRAPH_NAME_PATTERN);
  const seen = new Map<string, string>();
  for (const folder of folders) {
    const root = resolve(folder);
    let entries: string[];
    try {
      entries = readdirSync(root).sort();
    } catch {
      continue; // a missing library folder offers nothing
    }
    let listed = 0;
    for (const entry of entries) {
      if (!entry.endsWith('.json')) continue;
      const stem = entry.slice(0, -'.json'.length);
      if (!name.test(stem)) continue;
      if (++listed > MAX_LIBRARY_LISTING) break;
      const type = `${LIB_PREFIX}${stem}`;
      if (!seen.has(type)) seen.set(type, join(root, entry));
    }
  }
  return [...seen].map(([type, path]) => ({ type, path }));
}
