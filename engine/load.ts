import { Ajv } from 'ajv';
import { GraphValidationError, type GraphIssue } from './errors';
import { migrateFile, migrateNodes } from './migrate';
import { applyOverridesWhere, registrySchemas, unknownOverrideIssues, type InputOverride } from './overrides';
import type { NodeRegistry } from './registry';
import { GRAPH_FILE_SCHEMA } from './schema/graph-file';
import { expandSubgraphs, overridesThroughInstances, type Expansion } from './subgraph/expand';
import { isSubgraphType } from './subgraph/names';
import { rootScope, SubgraphResolver } from './subgraph/resolver';
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
  /** The file as loaded (migrated, overrides of its own nodes applied), subgraph nodes unexpanded: the provenance. */
  file: GraphFile;
  /** The graph that runs: every subgraph node expanded into `INSTANCE/INNER` nodes (the file itself without any). */
  flat: GraphFile;
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

export interface LoadOptions {
  /** Library folders searched for `lib/NAME` subgraph node types (NAME.json), first folder first. */
  libraries?: readonly string[];
}

/**
 * Everything needed before a run, on one parse: parse, migrate (file and node versions), apply input overrides,
 * expand subgraph nodes (engine/subgraph/), validate the flat graph. Throws GraphValidationError with all issues.
 */
export function loadGraph(
  source: string | unknown, registry: NodeRegistry, requested?: readonly string[], overrides: readonly InputOverride[] = [],
  opts: LoadOptions = {},
): LoadedGraph {
  const parsed = parseGraphFile(source);
  if (!parsed.file) throw new GraphValidationError(parsed.issues);
  const nodeIssues = migrateNodes(parsed.file, registry);
  const resolver = new SubgraphResolver(registry, opts.libraries ?? [], rootScope(parsed.file));
  // Overrides of the file's own nodes (subgraph nodes' interface inputs included) go into the file, so the
  // provenance a saver embeds carries them; the rest name nodes inside subgraphs and wait for the expansion.
  const registryOnly = registrySchemas(registry);
  const rest = applyOverridesWhere(parsed.file, overrides, (type, input) => {
    if (!isSubgraphType(type)) return registryOnly(type, input);
    const doc = resolver.resolve(type, resolver.root).doc;
    const iface = doc ? resolver.interfaceOf(doc, []).iface : undefined;
    return iface && Object.hasOwn(iface.inputs, input) ? iface.inputs[input].schema : undefined;
  });
  const expansion = expandSubgraphs(parsed.file, registry, resolver, requested);
  if (expansion.fatal) throw new GraphValidationError([...nodeIssues, ...expansion.issues]);
  const inner = overridesThroughInstances(rest, expansion);
  const unknown = applyOverridesWhere(expansion.file, inner.overrides, registryOnly);
  const overrideIssues = [...inner.issues, ...unknownOverrideIssues(unknown, expansion.file)];
  const { issues, graph } = validateGraph(expansion.file, registry, expansion.requested);
  const all = [...nodeIssues, ...expansion.issues, ...overrideIssues, ...withoutRepeats(issues, expansion)];
  if (all.length || !graph) throw new GraphValidationError(all);
  return { file: parsed.file, flat: expansion.file, validated: graph, migratedFrom: parsed.migratedFrom };
}

/**
 * Validation issues the expansion already reported better: anything about a subgraph node that could not be
 * expanded (validation sees an unknown type), and the same code at the same node and input.
 */
function withoutRepeats(issues: GraphIssue[], expansion: Expansion): GraphIssue[] {
  if (!expansion.issues.length && !expansion.failed.size) return issues;
  const said = new Set(expansion.issues.map((i) => JSON.stringify([i.code, i.nodeId, i.input])));
  return issues.filter((i) => !(i.nodeId !== undefined && expansion.failed.has(i.nodeId)) && !said.has(JSON.stringify([i.code, i.nodeId, i.input])));
}
