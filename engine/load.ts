import { Ajv } from 'ajv';
import { GraphValidationError, type GraphIssue } from './errors';
import { migrateFile, migrateNodes } from './migrate';
import type { NodeRegistry } from './registry';
import { GRAPH_FILE_SCHEMA } from './schema/graph-file';
import type { GraphFile } from './types';
import { validateGraph, type ValidatedGraph } from './validate';

const checkFile = new Ajv({ allErrors: true, strict: false }).compile(GRAPH_FILE_SCHEMA);

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
    return { issues: [{ code: 'E_GRAPH_FORMAT', message: `Expected a JSON object at the top of the graph file but received ${Array.isArray(raw) ? 'an array' : typeof raw}.` }] };
  }
  const migrated = migrateFile(structuredClone(raw) as Record<string, unknown>);
  if (migrated.issues.length) return { issues: migrated.issues };
  if (!checkFile(migrated.file)) {
    const issues = (checkFile.errors ?? []).slice(0, 20).map((e): GraphIssue => {
      const nodeId = /^\/nodes\/([^/]+)/.exec(e.instancePath)?.[1];
      return {
        code: 'E_GRAPH_FORMAT',
        nodeId: nodeId?.replace(/~1/g, '/').replace(/~0/g, '~'),
        message: `Expected ${e.instancePath || 'the file'} to ${e.message}${e.keyword === 'additionalProperties' ? ` (found "${(e.params as { additionalProperty: string }).additionalProperty}")` : ''}.`,
        hint: 'See "Graph file format" in the README.',
      };
    });
    return { issues };
  }
  return { file: migrated.file as unknown as GraphFile, issues: [], migratedFrom: migrated.migratedFrom };
}

/** Everything needed before a run: parse, migrate (file and node versions), validate. Throws GraphValidationError with all issues. */
export function loadGraph(source: string | unknown, registry: NodeRegistry, requested?: readonly string[]): LoadedGraph {
  const parsed = parseGraphFile(source);
  if (!parsed.file) throw new GraphValidationError(parsed.issues);
  const nodeIssues = migrateNodes(parsed.file, registry);
  const { issues, graph } = validateGraph(parsed.file, registry, requested);
  const all = [...nodeIssues, ...issues];
  if (all.length || !graph) throw new GraphValidationError(all);
  return { file: parsed.file, validated: graph, migratedFrom: parsed.migratedFrom };
}
