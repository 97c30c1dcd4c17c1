import type { AnyNodeDefinition, InputSpec, OutputSpec } from '../define';
import type { GraphIssue } from '../errors';
import type { NodeRegistry } from '../registry';
import { describeNode, type NodeTypeDescription } from '../schema/node-schema';
import { isLink, literalOf, type GraphFile, type InputBinding, type OutputBinding } from '../types';
import { getOwn, isSubgraphType, setOwn } from './names';
import { rootScope, SubgraphResolver, type SubgraphDoc } from './resolver';

/**
 * A graph's interface typed by its inner ports, so a subgraph is described like a node type:
 *
 *   "interface": { "version": 1,
 *                  "inputs":  { "steps": { "node": "sampler", "input": "steps" },
 *                               "model": [ { "node": "tokens", "input": "model" }, { "node": "decode", "input": "model" } ] },
 *                  "outputs": { "image": { "node": "decode", "output": "image" } } }
 *
 * An input takes the port type, schema, file kind and description of the inner input it feeds (all bindings of one
 * name must agree on the port type); its default is the literal the subgraph file gives that inner input, else the
 * inner schema's default. It is required only when the inner input is required and the file leaves it unset.
 * An output takes the inner output's port type. Port type UNTYPED marks a port whose inner node cannot be typed
 * (an unknown or broken type): the issue says why.
 */
export interface SubgraphInterface {
  type: string;
  version: number;
  category: string;
  description: string;
  /** True when the subgraph holds an output node (a saver): using it saves. */
  isOutput: boolean;
  inputs: Record<string, InputSpec>;
  outputs: Record<string, OutputSpec>;
  /** Interface input -> the inner inputs it feeds (inner node ids, local to the subgraph). */
  bindings: Map<string, InputBinding[]>;
  /** Interface output -> the inner output. */
  outputMap: Map<string, OutputBinding>;
}

export interface InterfaceResult {
  iface?: SubgraphInterface;
  /** E_SUBGRAPH_INTERFACE problems, relative to the subgraph (no node id: the using node is the place). */
  issues: GraphIssue[];
}

export const UNTYPED = 'UNTYPED';
const MAX_TEXT = 1000;

interface Ports {
  inputs: Record<string, InputSpec>;
  outputs: Record<string, OutputSpec>;
  isOutput: boolean;
}

/** The ports of one inner node: its registered definition, or the interface of a nested subgraph. */
function portsOf(doc: SubgraphDoc, nodeId: string, resolver: SubgraphResolver, chain: readonly string[]): Ports | 'missing' | 'untyped' {
  const entry = getOwn(doc.file.nodes, nodeId);
  if (!entry) return 'missing';
  if (!isSubgraphType(entry.type)) {
    const def = resolver.registry.get(entry.type);
    return def ? { inputs: def.inputs, outputs: def.outputs, isOutput: def.isOutput === true } : 'untyped';
  }
  const nested = resolver.resolve(entry.type, doc.scope).doc;
  // A cycle is reported by the expansion as E_CYCLE; here the port just stays untyped.
  if (!nested || chain.includes(nested.key) || nested.key === doc.key) return 'untyped';
  const iface = resolver.interfaceOf(nested, [...chain, doc.key]).iface;
  return iface ? { inputs: iface.inputs, outputs: iface.outputs, isOutput: iface.isOutput } : 'untyped';
}

export function interfaceOf(doc: SubgraphDoc, resolver: SubgraphResolver, chain: readonly string[]): InterfaceResult {
  const declared = doc.file.interface;
  if (!declared) {
    const message = `"${doc.type}" declares no "interface", so it cannot be used as a node.`;
    return { issues: [{ code: 'E_SUBGRAPH_INTERFACE', message, hint: 'Add "interface": { "version": 1, "inputs": {...}, "outputs": {...} } to the subgraph.' }] };
  }
  const issues: GraphIssue[] = [];
  const problem = (message: string): void => void issues.push({ code: 'E_SUBGRAPH_INTERFACE', message: `${doc.type}: ${message}` });
  const cache = new Map<string, ReturnType<typeof portsOf>>();
  const ports = (nodeId: string) => {
    if (!cache.has(nodeId)) cache.set(nodeId, portsOf(doc, nodeId, resolver, chain));
    return cache.get(nodeId)!;
  };

  const inputs: Record<string, InputSpec> = {};
  const bindings = new Map<string, InputBinding[]>();
  const fed = new Map<string, string>();
  for (const [name, raw] of Object.entries(declared.inputs ?? {})) {
    const list = Array.isArray(raw) ? raw : [raw];
    bindings.set(name, list);
    let spec: InputSpec | undefined;
    let optional = false;
    for (const b of list) {
      const key = JSON.stringify([b.node, b.input]);
      if (fed.has(key)) problem(`interface inputs "${fed.get(key)}" and "${name}" both feed ${b.node}.${b.input}.`);
      fed.set(key, name);
      const p = ports(b.node);
      if (p === 'missing') {
        problem(`interface input "${name}" feeds node "${b.node}", which the subgraph does not have.`);
        continue;
      }
      if (p === 'untyped') continue; // the inner node's own issue says why
      const inner = getOwn(p.inputs, b.input);
      if (!inner) {
        problem(`interface input "${name}" feeds "${b.node}.${b.input}", but that node has no input "${b.input}" (it has: ${Object.keys(p.inputs).join(', ') || 'none'}).`);
        continue;
      }
      if (spec && inner.type !== spec.type) {
        problem(`interface input "${name}" feeds inputs of different port types (${spec.type} and ${inner.type} at ${b.node}.${b.input}).`);
        continue;
      }
      const given = getOwn(doc.file.nodes, b.node)?.inputs?.[b.input];
      const hasLiteral = given !== undefined && given !== null && !isLink(given);
      optional ||= inner.optional === true || inner.schema?.default !== undefined || (given !== undefined && given !== null);
      if (!spec) {
        // The subgraph file's own literal is the default the using node gets when it leaves the input unset.
        const schema = inner.schema && hasLiteral ? { ...inner.schema, default: literalOf(given) } : inner.schema;
        spec = { type: inner.type, schema, file: inner.file, description: inner.description };
      }
    }
    setOwn(inputs, name, { ...(spec ?? { type: UNTYPED }), optional: optional || !spec });
  }

  const outputs: Record<string, OutputSpec> = {};
  const outputMap = new Map<string, OutputBinding>();
  for (const [name, b] of Object.entries(declared.outputs ?? {})) {
    outputMap.set(name, b);
    const p = ports(b.node);
    let type = UNTYPED;
    if (p === 'missing') problem(`interface output "${name}" comes from node "${b.node}", which the subgraph does not have.`);
    else if (p !== 'untyped') {
      const inner = getOwn(p.outputs, b.output);
      if (inner) type = inner.type;
      else problem(`interface output "${name}" comes from "${b.node}.${b.output}", but that node has no output "${b.output}" (it has: ${Object.keys(p.outputs).join(', ') || 'none'}).`);
    }
    setOwn(outputs, name, { type, description: getOwn(p === 'missing' || p === 'untyped' ? undefined : p.outputs, b.output)?.description });
  }

  let isOutput = false;
  for (const id of Object.keys(doc.file.nodes)) {
    const p = ports(id);
    if (typeof p === 'object' && p.isOutput) isOutput = true;
  }
  const meta = doc.file.meta ?? {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : undefined);
  return {
    issues,
    iface: {
      type: doc.type, version: declared.version, isOutput, inputs, outputs, bindings, outputMap,
      category: text(meta.category) ?? 'subgraph',
      description: text(meta.description) ?? text(meta.title) ?? `The graph ${doc.type} as one node.`,
    },
  };
}

/** A node definition standing for a subgraph, for descriptions only: subgraphs are expanded, never run as one node. */
export function subgraphDefinition(iface: SubgraphInterface): AnyNodeDefinition {
  return {
    type: iface.type, version: iface.version, category: iface.category, description: iface.description,
    isOutput: iface.isOutput, inputs: iface.inputs, outputs: iface.outputs,
    run: () => {
      throw new Error(`${iface.type} is a subgraph: it is expanded into its nodes when the graph loads, never run as one node.`);
    },
  };
}

/**
 * The description `cones nodes` and the server's schema endpoint publish for a library subgraph (`lib/NAME`), or for
 * an embedded one (`subgraph/NAME`) of `file`: the same shape as a node type's. Issues (not found, unreadable, a
 * broken interface) come back instead when it has none.
 */
export function describeSubgraph(
  type: string, registry: NodeRegistry, libraries: readonly string[], file: GraphFile = { format: 'cones-graph', version: 1, nodes: {} },
): { description?: NodeTypeDescription; issues: GraphIssue[] } {
  const resolver = new SubgraphResolver(registry, libraries, rootScope(file));
  const { doc, issues } = resolver.resolve(type, resolver.root);
  if (!doc) return { issues };
  const result = resolver.interfaceOf(doc, []);
  if (!result.iface) return { issues: [...issues, ...result.issues] };
  return { description: describeNode(subgraphDefinition(result.iface)), issues: [...issues, ...result.issues] };
}
