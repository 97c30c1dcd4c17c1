/**
 * The one graph file format: the file the editor saves is the file the CLI runs.
 *
 *   { "format": "cones-graph", "version": 1,
 *     "nodes": { "<id>": { "type": "Tokenize", "version": 1,
 *                          "inputs": { "mode": "adaptive", "text": { "from": "prompt", "output": "text" } } } },
 *     "outputs": ["save"],          // optional: which output nodes to run (default: all)
 *     "meta": { ... }, "editor": { ... } }   // optional, never read by the engine
 */
export const GRAPH_FORMAT = 'cones-graph';
export const GRAPH_FORMAT_VERSION = 1;

/** A link from another node's named output. */
export interface Link {
  from: string;
  output: string;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A literal value or a link. A literal object that happens to have `from`/`output` must be wrapped: `{ "value": {...} }`. */
export type InputValue = Link | JsonValue | { value: JsonValue };

export interface NodeEntry {
  type: string;
  version?: number;
  inputs?: Record<string, InputValue>;
  /** Set false to always re-run this node (e.g. a node reading a changing external source). */
  cache?: boolean;
  title?: string;
  /** For a `lib/NAME` subgraph node: sha256 (hex) of the library file's bytes; another content is E_SUBGRAPH_HASH. */
  sha256?: string;
}

/** An interface input feeds one or more inner node inputs. */
export interface InputBinding {
  node: string;
  input: string;
}

/** An interface output is one inner node output. */
export interface OutputBinding {
  node: string;
  output: string;
}

/**
 * What a graph offers when used as a node (engine/subgraph/): `lib/NAME` from a library folder, or `subgraph/NAME`
 * embedded in the using file. Port types, schemas and defaults come from the inner ports.
 */
export interface GraphInterface {
  /** Recorded as the using node entry's `version`; a difference is E_NODE_VERSION. */
  version: number;
  inputs?: Record<string, InputBinding | InputBinding[]>;
  outputs?: Record<string, OutputBinding>;
}

export interface GraphFile {
  format: typeof GRAPH_FORMAT;
  version: number;
  nodes: Record<string, NodeEntry>;
  outputs?: string[];
  /** Present when the graph can be used as a node. */
  interface?: GraphInterface;
  /** Subgraphs embedded in this file, used as `subgraph/NAME` node types. */
  subgraphs?: Record<string, GraphFile>;
  /** Content pins of library subgraphs: `{ "lib/NAME": { "sha256": HEX } }`. */
  requires?: Record<string, { sha256: string }>;
  meta?: Record<string, unknown>;
  editor?: Record<string, unknown>;
}

export function isLink(value: unknown): value is Link {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && typeof (value as Link).from === 'string' && typeof (value as Link).output === 'string';
}

/** Unwraps `{ value: x }` literal escapes; returns other literals unchanged. */
export function literalOf(value: InputValue): JsonValue {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'value') return (value as { value: JsonValue }).value;
  }
  return value as JsonValue;
}
