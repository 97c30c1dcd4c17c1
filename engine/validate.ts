import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { AnyNodeDefinition } from './define';
import type { GraphIssue } from './errors';
import type { NodeRegistry } from './registry';
import type { JsonSchema } from './schema/json-schema';
import { CycleError, topoSort } from './toposort';
import { isLink, literalOf, type GraphFile, type Link } from './types';

/** A node after validation: its definition, literal values (defaults filled in) and incoming links. */
export interface ResolvedNode {
  id: string;
  def: AnyNodeDefinition;
  literals: Record<string, unknown>;
  links: Record<string, Link>;
  cache: boolean;
}

export interface ValidatedGraph {
  nodes: Map<string, ResolvedNode>;
  /** node id -> ids it depends on */
  deps: Map<string, string[]>;
  /** every node in a valid execution order */
  order: string[];
  /** the output nodes to run */
  targets: string[];
}

const RANGE_KEYWORDS = new Set([
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems',
]);
const LIST_KEYWORDS = new Set(['enum', 'const']);

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/**
 * Checks a migrated graph against the registry and collects EVERY problem (never stops at the first),
 * each with a code, node id, node type and input. Returns the execution plan when there are none.
 */
export function validateGraph(
  graph: GraphFile, registry: NodeRegistry, requested?: readonly string[],
): { issues: GraphIssue[]; graph?: ValidatedGraph } {
  const issues: GraphIssue[] = [];
  const nodes = new Map<string, ResolvedNode>();
  const deps = new Map<string, string[]>();

  for (const [id, entry] of Object.entries(graph.nodes)) {
    const def = registry.get(entry.type);
    if (!def) {
      issues.push({
        code: 'E_UNKNOWN_NODE_TYPE', nodeId: id, nodeType: entry.type,
        message: `Unknown node type "${entry.type}".`, hint: suggest(entry.type, registry.types()),
      });
      continue;
    }
    const resolved: ResolvedNode = { id, def, literals: {}, links: {}, cache: entry.cache !== false && def.cache !== false };
    const given = entry.inputs ?? {};
    for (const name of Object.keys(given)) {
      if (!Object.hasOwn(def.inputs, name)) {
        issues.push({
          code: 'E_UNKNOWN_INPUT', nodeId: id, nodeType: def.type, input: name,
          message: `${def.type} has no input "${name}".`, hint: `Its inputs are: ${Object.keys(def.inputs).join(', ') || '(none)'}.`,
        });
      }
    }
    for (const [name, spec] of Object.entries(def.inputs)) {
      const value = given[name];
      const at = { nodeId: id, nodeType: def.type, input: name };
      if (value === undefined || value === null) {
        if (spec.schema?.default !== undefined) resolved.literals[name] = structuredClone(spec.schema.default);
        else if (!spec.optional) {
          issues.push({ code: 'E_MISSING_INPUT', ...at, message: `Required input "${name}" (${spec.type}) has no value or link.` });
        }
        continue;
      }
      if (isLink(value)) {
        const source = Object.hasOwn(graph.nodes, value.from) ? graph.nodes[value.from] : undefined;
        const sourceDef = source ? registry.get(source.type) : undefined;
        if (!source) {
          issues.push({ code: 'E_DANGLING_LINK', ...at, message: `Link from missing node "${value.from}".` });
        } else if (sourceDef && !Object.hasOwn(sourceDef.outputs, value.output)) {
          issues.push({
            code: 'E_DANGLING_LINK', ...at, message: `Node "${value.from}" (${sourceDef.type}) has no output "${value.output}".`,
            hint: `Its outputs are: ${Object.keys(sourceDef.outputs).join(', ')}.`,
          });
        } else if (sourceDef) {
          const fromType = sourceDef.outputs[value.output].type;
          if (fromType !== spec.type) {
            const message = `Expected a ${spec.type} for "${name}" but received ${fromType} from "${value.from}.${value.output}".`;
            issues.push({ code: 'E_TYPE_MISMATCH', ...at, message });
          }
        }
        resolved.links[name] = value;
        continue;
      }
      if (!spec.schema) {
        const message = `Input "${name}" takes a link from a ${spec.type} output, not a literal value.`;
        issues.push({ code: 'E_TYPE_MISMATCH', ...at, message });
        continue;
      }
      const literal = literalOf(value);
      const check = validatorFor(spec.schema);
      if (!check(literal)) issues.push(...(check.errors ?? []).slice(0, 3).map((e) => ajvIssue(e, literal, at)));
      else resolved.literals[name] = literal;
    }
    nodes.set(id, resolved);
    deps.set(id, [...new Set(Object.values(resolved.links).map((l) => l.from))]);
  }

  let order: string[] = [];
  try {
    order = topoSort([...Object.keys(graph.nodes)], deps);
  } catch (err) {
    if (!(err instanceof CycleError)) throw err;
    for (const id of err.cycle) {
      issues.push({
        code: 'E_CYCLE', nodeId: id, nodeType: graph.nodes[id]?.type,
        message: `Node is on a cycle: ${err.message}.`, hint: 'Remove one of the links in the cycle.',
      });
    }
  }

  const targets = pickTargets(graph, nodes, requested, issues);
  if (issues.length) return { issues };
  return { issues, graph: { nodes, deps, order, targets } };
}

function pickTargets(
  graph: GraphFile, nodes: Map<string, ResolvedNode>, requested: readonly string[] | undefined, issues: GraphIssue[],
): string[] {
  const wanted = requested?.length ? requested : graph.outputs?.length ? graph.outputs : undefined;
  if (wanted) {
    for (const id of wanted) {
      const node = nodes.get(id);
      if (!Object.hasOwn(graph.nodes, id)) {
        issues.push({ code: 'E_NO_OUTPUT', nodeId: id, message: `Requested output node "${id}" does not exist.` });
      } else if (node && !node.def.isOutput) {
        issues.push({
          code: 'E_NO_OUTPUT', nodeId: id, nodeType: node.def.type,
          message: `Requested node "${id}" is not an output node.`, hint: 'Request a saver or preview node.',
        });
      }
    }
    return [...wanted];
  }
  const all = [...nodes.values()].filter((n) => n.def.isOutput).map((n) => n.id);
  if (!all.length && Object.keys(graph.nodes).length === nodes.size) {
    issues.push({
      code: 'E_NO_OUTPUT', message: 'The graph has no output node, so there is nothing to run.', hint: 'Add a saver or preview node.',
    });
  }
  return all;
}

function ajvIssue(
  error: ErrorObject, value: unknown, at: { nodeId: string; nodeType: string; input: string },
): GraphIssue {
  const path = error.instancePath ? ` at ${error.instancePath}` : '';
  const shown = JSON.stringify(value)?.slice(0, 80);
  if (RANGE_KEYWORDS.has(error.keyword)) {
    const p = error.params as { comparison?: string; limit?: number };
    const expected = p.comparison ? `a value ${p.comparison} ${p.limit}` : `${error.message}`;
    return { code: 'E_VALUE_OUT_OF_RANGE', ...at, message: `Expected ${expected} for "${at.input}"${path} but received ${shown}.` };
  }
  if (LIST_KEYWORDS.has(error.keyword)) {
    const params = error.params as { allowedValues?: unknown[]; allowedValue?: unknown };
    const allowed = params.allowedValues ?? [params.allowedValue];
    const message = `Expected one of ${JSON.stringify(allowed)} for "${at.input}"${path} but received ${shown}.`;
    return { code: 'E_VALUE_NOT_IN_LIST', ...at, message };
  }
  const message = `Input "${at.input}"${path} ${error.message ?? 'does not match its schema'} but received ${shown}.`;
  return { code: 'E_VALUE_INVALID', ...at, message };
}

function suggest(type: string, known: string[]): string {
  const lower = type.toLowerCase();
  const close = known.filter((k) => k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));
  if (!close.length) return 'Run `cones nodes` to list the node types.';
  return `Did you mean ${close.map((c) => `"${c}"`).join(' or ')}? (run \`cones nodes\` for the list)`;
}

/**
 * Values arriving over links are known only at run time: a linked value must still satisfy the input's
 * schema (a linked 300 into a steps input with maximum 150 fails like a literal 300 would).
 */
export function checkLinkedValues(node: ResolvedNode, inputs: Record<string, unknown>): GraphIssue & Error | undefined {
  for (const name of Object.keys(node.links)) {
    const schema = node.def.inputs[name]?.schema;
    if (!schema) continue;
    const check = validatorFor(schema);
    if (!check(inputs[name])) {
      const issue = ajvIssue(check.errors![0], inputs[name], { nodeId: node.id, nodeType: node.def.type, input: name });
      const message = `${issue.message} (value arrived over a link)`;
      return Object.assign(new Error(message), { ...issue, message });
    }
  }
  return undefined;
}
