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
}

export interface GraphFile {
  format: typeof GRAPH_FORMAT;
  version: number;
  nodes: Record<string, NodeEntry>;
  outputs?: string[];
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
