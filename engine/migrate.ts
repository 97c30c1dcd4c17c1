import type { GraphIssue } from './errors';
import type { NodeRegistry } from './registry';
import { GRAPH_FORMAT, GRAPH_FORMAT_VERSION, type GraphFile, type NodeEntry } from './types';

/**
 * File-format migrations, oldest first. Each takes a parsed file of version N and returns version N+1.
 *
 * Version 0 (the pre-release format, still accepted):
 *   { "version": 0, "nodes": [ { "id": "p", "type": "Text", "params": { "value": "hi" },
 *                               "links": { "text": ["other", "outputName"] } } ],
 *     "positions": { "p": [x, y] } }
 * Version 1: the current format (see types.ts): nodes keyed by id, literals and links together in `inputs`.
 */
type FileMigration = (file: Record<string, unknown>) => Record<string, unknown>;

const FILE_MIGRATIONS: Record<number, FileMigration> = {
  0: migrateV0toV1,
};

/** A version-0 file whose shape the migration cannot read; reported as one E_GRAPH_FORMAT issue. */
class MigrationProblem extends Error {}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A node id or output name of a version-0 file: a string or a number, never an object with its own toString. */
function name(value: unknown, what: string): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new MigrationProblem(`Expected ${what} to be a string but received ${value === null ? 'null' : typeof value}.`);
}

function migrateV0toV1(file: Record<string, unknown>): Record<string, unknown> {
  const nodes: Record<string, NodeEntry> = {};
  const list = Array.isArray(file.nodes) ? file.nodes : [];
  for (const [index, raw] of (list as unknown[]).entries()) {
    if (!isPlainObject(raw)) continue;
    const id = name(raw.id ?? '', `nodes[${index}].id`);
    for (const key of ['params', 'links'] as const) {
      if (raw[key] !== undefined && !isPlainObject(raw[key])) {
        const received = Array.isArray(raw[key]) ? 'an array' : typeof raw[key];
        throw new MigrationProblem(`Expected nodes[${index}].${key} to be an object but received ${received}.`);
      }
    }
    const inputs: Record<string, unknown> = { ...(raw.params as object | undefined) };
    for (const [input, link] of Object.entries((raw.links as Record<string, unknown> | undefined) ?? {})) {
      const where = `nodes[${index}].links.${input}`;
      inputs[input] = Array.isArray(link) ? { from: name(link[0], `${where}[0]`), output: name(link[1], `${where}[1]`) } : link;
    }
    const entry: Record<string, unknown> = { type: raw.type, inputs };
    if (raw.nodeVersion !== undefined) entry.version = raw.nodeVersion;
    nodes[id] = entry as unknown as NodeEntry;
  }
  const editorNodes: Record<string, unknown> = {};
  for (const [id, pos] of Object.entries(isPlainObject(file.positions) ? file.positions : {})) {
    editorNodes[id] = { pos };
  }
  const out: Record<string, unknown> = { format: GRAPH_FORMAT, version: 1, nodes };
  if (Object.keys(editorNodes).length) out.editor = { nodes: editorNodes };
  if (file.meta !== undefined) out.meta = file.meta;
  return out;
}

/** Detects the file version: files without a `format` field and with a node array are version 0. */
export function fileVersionOf(file: Record<string, unknown>): number | undefined {
  if (file.format === undefined && (file.version === 0 || file.version === undefined) && Array.isArray(file.nodes)) return 0;
  return typeof file.version === 'number' ? file.version : undefined;
}

export function migrateFile(file: Record<string, unknown>): { file: Record<string, unknown>; issues: GraphIssue[]; migratedFrom?: number } {
  let version = fileVersionOf(file);
  if (version === undefined || !Number.isInteger(version) || version < 0) return { file, issues: [] }; // the schema check reports it
  if (version > GRAPH_FORMAT_VERSION) {
    return {
      file,
      issues: [{
        code: 'E_GRAPH_VERSION',
        message: `Expected a graph file of format version <= ${GRAPH_FORMAT_VERSION} but received version ${version}.`,
        hint: 'Update cones-graph to open this file.',
      }],
    };
  }
  const from = version;
  let current = file;
  try {
    while (version < GRAPH_FORMAT_VERSION) {
      current = FILE_MIGRATIONS[version](current);
      version += 1;
    }
  } catch (err) {
    if (!(err instanceof MigrationProblem)) throw err;
    const message = `Cannot read this version ${from} file: ${err.message}`;
    return { file, issues: [{ code: 'E_GRAPH_FORMAT', message, hint: 'See "Graph file format" in the README.' }] };
  }
  return { file: current, issues: [], migratedFrom: from === GRAPH_FORMAT_VERSION ? undefined : from };
}

/**
 * Upgrades each node's inputs from its saved type version to the registered definition's version.
 * A node without `version` is taken to be at the current version (hand-written files).
 */
export function migrateNodes(graph: GraphFile, registry: NodeRegistry): GraphIssue[] {
  const issues: GraphIssue[] = [];
  for (const [nodeId, node] of Object.entries(graph.nodes)) {
    const def = registry.get(node.type);
    if (!def) continue; // reported by validation
    let v = node.version ?? def.version;
    if (v > def.version) {
      issues.push({
        code: 'E_NODE_VERSION', nodeId, nodeType: node.type,
        message: `Expected ${node.type} version <= ${def.version} but the file has version ${v}.`,
        hint: 'The graph was saved by a newer cones-graph; update to run it.',
      });
      continue;
    }
    let inputs = { ...(node.inputs ?? {}) } as Record<string, unknown>;
    while (v < def.version) {
      const step = def.migrations?.[v];
      if (!step) {
        issues.push({
          code: 'E_NODE_VERSION', nodeId, nodeType: node.type,
          message: `No migration from ${node.type} version ${v} to ${v + 1}.`,
          hint: `Re-create the node in the editor (current version ${def.version}).`,
        });
        break;
      }
      inputs = step(inputs);
      v += 1;
    }
    if (v === def.version) {
      node.inputs = inputs as NodeEntry['inputs'];
      node.version = def.version;
    }
  }
  return issues;
}
