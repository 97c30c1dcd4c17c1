import { SUBGRAPH_NAME_PATTERN } from '../schema/graph-file';

/**
 * Subgraph node types. Two prefixes are reserved for graphs used as nodes (the registry is never asked about them):
 *
 *   lib/NAME       the file NAME.json in a library folder (`graphs/lib/` of the install, `--lib DIR`)
 *   subgraph/NAME  the entry NAME of the `subgraphs` section of the file the node is in
 *
 * NAME has no dots or slashes: a type name from a stranger's graph can never name a path outside a library folder.
 */
export const LIB_PREFIX = 'lib/';
export const EMBEDDED_PREFIX = 'subgraph/';
const NAME = new RegExp(SUBGRAPH_NAME_PATTERN);

/** Nesting levels of subgraphs inside subgraphs (the top-level graph is level 0). */
export const MAX_SUBGRAPH_DEPTH = 8;
/** Distinct library files read while loading one graph. */
export const MAX_LIBRARY_FILES = 64;
/** Bytes of library files read while loading one graph, all files together. */
export const MAX_LIBRARY_BYTES = 32 * 2 ** 20;
/** One library file, as one graph file (the CLI's MAX_GRAPH_FILE_BYTES). */
export const MAX_SUBGRAPH_FILE_BYTES = 16 * 2 ** 20;

export function isSubgraphType(type: string): boolean {
  return type.startsWith(LIB_PREFIX) || type.startsWith(EMBEDDED_PREFIX);
}

export type SubgraphRef = { kind: 'lib' | 'embedded'; name: string } | { kind: 'bad'; reason: string };

/** The kind and NAME of a subgraph type, or why it is not one (cut, so a hostile name never makes a long message). */
export function parseSubgraphType(type: string): SubgraphRef {
  const kind = type.startsWith(LIB_PREFIX) ? 'lib' : 'embedded';
  const name = type.slice(kind === 'lib' ? LIB_PREFIX.length : EMBEDDED_PREFIX.length);
  if (NAME.test(name)) return { kind, name };
  const shown = JSON.stringify(type.length > 80 ? `${type.slice(0, 80)}...` : type);
  return { kind: 'bad', reason: `Expected a subgraph type "lib/NAME" or "subgraph/NAME" with NAME of letters, digits, _ and - (at most 100, no dots or slashes) but received ${shown}.` };
}

/**
 * Sets an own, enumerable property even for keys like `__proto__`, which plain assignment would turn into a
 * prototype change. Node ids and port names come from strangers' files.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `record[key]` only when it is the record's own property (never Object.prototype's). */
export function getOwn<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
