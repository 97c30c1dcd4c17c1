import { Ajv } from 'ajv';
import { GraphValidationError, type GraphIssue } from './errors';
import { migrateFile, migrateNodes } from './migrate';
import { applyOverrides, type InputOverride } from './overrides';
import type { NodeRegistry } from './registry';
import { GRAPH_FILE_SCHEMA } from './schema/graph-file';
import type { GraphFile } from './types';
import { validateGraph, type ValidatedGraph } from './validate';

const checkFile = new Ajv({ allErrors: true, strict: false }).compile(GRAPH_FILE_SCHEMA);
/** Deeper JSON than any graph needs; bounded so cloning and schema checks cannot exhaust the stack. */
export const MAX_GRAPH_DEPTH = 64;

/** Whether `value` nests objects/arrays deeper than `limit` levels (iterative: no recursion on hostile input). */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

export interface LoadedGraph {
  file: GraphFile;
  validated: ValidatedGraph;
  /** The file version it was migrated from, if it was older than the current format. */
  migratedFrom?: number;
}

/** Parses, migrates and structurally checks a graph file. Collects every structural issue. */
export function parseGraphFile(source: string | unknown): { file?: GraphFile; issues: GraphIssue[]; migratedFrom?: number } {
  let raw: unknown = source;
  if (typeof source === 'string') {
    try {
      raw = JSON.parse(source);
    } catch (err) {
      return { issues: [{ code: 'E_GRAPH_JSON', message: `The graph file is not valid JSON: ${(err as Error).message}.` }] };
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const received = Array.isArray(raw) ? 'an array' : typeof raw;
    const message = `Expected a JSON object at the top of the graph file but received ${received}.`;
    return { issues: [{ code: 'E_GRAPH_FORMAT', message }] };
  }
  if (deeperThan(raw, MAX_GRAPH_DEPTH)) {
    const message = `Expected a graph file nested at most ${MAX_GRAPH_DEPTH} levels deep but this one is deeper.`;
    return { issues: [{ code: 'E_GRAPH_FORMAT', message }] };
  }
  const migrated = migrateFile(structuredClone(raw) as Record<string, unknown>);
  if (migrated.issues.length) return { issues: migrated.issues };
  if (!checkFile(migrated.file)) {
    const issues = (checkFile.errors ?? []).slice(0, 20).map((error): GraphIssue => {
      const nodeId = /^\/nodes\/([^/]+)/.exec(error.instancePath)?.[1];
      const isExtra = error.keyword === 'additionalProperties';
      const found = isExtra ? ` (found "${(error.params as { additionalProperty: string }).additionalProperty}")` : '';
      return {
        code: 'E_GRAPH_FORMAT',
        nodeId: nodeId?.replace(/~1/g, '/').replace(/~0/g, '~'),
        message: `Expected ${error.instancePath || 'the file'} to ${error.message}${found}.`,
        hint: 'See "Graph file format" in the README.',
      };
    });
    return { issues };
  }
  return { file: migrated.file as unknown as GraphFile, issues: [], migratedFrom: migrated.migratedFrom };
}

/**
 * Everything needed before a run, on one parse: parse, migrate (file and node versions), apply input overrides,
 * validate. Throws GraphValidationError with all issues.
 */
export function loadGraph(
  source: string | unknown, registry: NodeRegistry, requested?: readonly string[], overrides: readonly InputOverride[] = [],
): LoadedGraph {
  const parsed = parseGraphFile(source);
  if (!parsed.file) throw new GraphValidationError(parsed.issues);
  const nodeIssues = migrateNodes(parsed.file, registry);
  const overrideIssues = applyOverrides(parsed.file, overrides, registry);
  const { issues, graph } = validateGraph(parsed.file, registry, requested);
  const all = [...nodeIssues, ...overrideIssues, ...issues];
  if (all.length || !graph) throw new GraphValidationError(all);
  return { file: parsed.file, validated: graph, migratedFrom: parsed.migratedFrom };
}
