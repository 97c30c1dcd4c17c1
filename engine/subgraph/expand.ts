import type { GraphIssue } from '../errors';
import type { InputOverride } from '../overrides';
import type { NodeRegistry } from '../registry';
import { MAX_NODES } from '../schema/graph-file';
import { isLink, type GraphFile, type InputBinding, type InputValue, type Link, type NodeEntry, type OutputBinding } from '../types';
import { getOwn, isSubgraphType, MAX_SUBGRAPH_DEPTH, setOwn } from './names';
import type { Scope, SubgraphDoc, SubgraphResolver } from './resolver';

/**
 * Expansion at load time: every subgraph node becomes its inner nodes, so validation, preflight checks, the cache
 * and execution see one flat graph of registered node types and never learn that subgraphs exist.
 *
 *   graph:  model ──> first (lib/two-subjects) ──image──> save
 *   flat:   model ──> first/tokens ──> first/encode ──> first/sampler ──> first/decode ──image──> save
 *
 * - Inner node ids are prefixed with the instance path (`first/sampler`; nested: `a/b/sampler`), so every issue
 *   names the spot inside the subgraph (`first/sampler`, input `steps`) and every inner node is cached on its own.
 * - An interface input set on the instance (literal or link) replaces the bound inner input(s); left unset, the
 *   inner input keeps what the subgraph file gives it.
 * - A link from an instance's interface output is rewired to the inner node output it names.
 * - Bounded: nesting depth MAX_SUBGRAPH_DEPTH, MAX_NODES expanded nodes in all (counted as they are made, so a
 *   subgraph used twice by a subgraph used twice ... stops early), and the resolver's library file budget.
 * - A subgraph reached again through its own expansion (A uses B uses A, or a file using itself) is E_CYCLE.
 */
export interface InstanceInfo {
  type: string;
  /** Interface input -> flat ids of the inner inputs it feeds (an id may be a nested instance). */
  bindings: Map<string, InputBinding[]>;
  /** Interface output -> flat inner output (the node may be a nested instance). */
  outputs: Map<string, OutputBinding>;
}

export interface Expansion {
  /** The flat graph (the input file itself when it uses no subgraph). */
  file: GraphFile;
  /** Flat id of every expanded subgraph node. */
  instances: Map<string, InstanceInfo>;
  /** Subgraph nodes that could not be expanded: validation's issues about them (unknown type) are redundant. */
  failed: Set<string>;
  issues: GraphIssue[];
  /** A bound was exceeded: the flat graph is partial and must not be validated. */
  fatal: boolean;
  /** The requested outputs with subgraph nodes replaced by the output nodes inside them. */
  requested?: string[];
}

interface ChainLink {
  key: string;
  type: string;
}

export function usesSubgraphs(file: GraphFile): boolean {
  return Object.values(file.nodes).some((entry) => isSubgraphType(entry.type));
}

export function expandSubgraphs(
  file: GraphFile, registry: NodeRegistry, resolver: SubgraphResolver, requested?: readonly string[],
): Expansion {
  if (!usesSubgraphs(file)) {
    return { file, instances: new Map(), failed: new Set(), issues: [], fatal: false, requested: requested ? [...requested] : undefined };
  }
  const flat: Record<string, NodeEntry> = {};
  const instances = new Map<string, InstanceInfo>();
  const failed = new Set<string>();
  const issues: GraphIssue[] = [];
  let count = 0;
  let fatal = false;

  const stop = (message: string, nodeId?: string, nodeType?: string): void => {
    fatal = true;
    issues.push({ code: 'E_SUBGRAPH_LIMIT', nodeId, nodeType, message, hint: 'Use fewer or smaller subgraphs, or nest them less deeply.' });
  };

  const place = (id: string, entry: NodeEntry): void => {
    if (Object.hasOwn(flat, id) || instances.has(id)) {
      issues.push({
        code: 'E_GRAPH_FORMAT', nodeId: id, nodeType: entry.type,
        message: `Node id "${id}" is used twice once subgraphs are expanded (a node id with "/" collides with a subgraph's inner node).`,
        hint: 'Rename the node: "/" in node ids is best left to subgraph paths.',
      });
      return;
    }
    setOwn(flat, id, entry);
  };

  /** One graph's nodes under `prefix`; `inject` holds the values its instance sets on inner inputs (already flat). */
  const level = (
    nodes: Record<string, NodeEntry>, prefix: string, depth: number, scope: Scope,
    inject: Map<string, Map<string, InputValue>>, chain: readonly ChainLink[], noCache: boolean,
  ): void => {
    for (const [local, entry] of Object.entries(nodes)) {
      if (fatal) return;
      const id = prefix + local;
      if (++count > MAX_NODES) return stop(`Expected at most ${MAX_NODES} nodes with every subgraph expanded but there are more.`, id, entry.type);
      const inputs: Record<string, InputValue> = {};
      for (const [name, value] of Object.entries(entry.inputs ?? {})) {
        setOwn(inputs, name, isLink(value) ? { from: prefix + value.from, output: value.output } : value);
      }
      for (const [name, value] of inject.get(local) ?? []) setOwn(inputs, name, value);
      if (isSubgraphType(entry.type)) {
        instance(id, entry, inputs, depth, scope, chain, noCache || entry.cache === false);
        continue;
      }
      if (entry.sha256 !== undefined) {
        issues.push({ code: 'E_GRAPH_FORMAT', nodeId: id, nodeType: entry.type, message: '"sha256" pins library subgraphs ("lib/NAME") only.' });
      }
      const out: NodeEntry = { ...entry, inputs };
      if (noCache) out.cache = false;
      place(id, out);
    }
  };

  const instance = (
    id: string, entry: NodeEntry, inputs: Record<string, InputValue>, depth: number, scope: Scope,
    chain: readonly ChainLink[], noCache: boolean,
  ): void => {
    const at = { nodeId: id, nodeType: entry.type };
    const fail = (found: GraphIssue[]): void => {
      failed.add(id);
      // Issues inside a library file name its inner node under this instance's path.
      issues.push(...found.map((issue) => ({ ...issue, nodeId: issue.nodeId !== undefined ? `${id}/${issue.nodeId}` : id, nodeType: issue.nodeType ?? entry.type })));
      place(id, { type: entry.type, inputs: {} }); // a stand-in, so links from it are not reported as dangling too
    };
    if (depth + 1 > MAX_SUBGRAPH_DEPTH) return stop(`Expected subgraphs nested at most ${MAX_SUBGRAPH_DEPTH} deep but "${id}" is deeper.`, id, entry.type);
    const { doc, issues: found } = resolver.resolve(entry.type, scope);
    if (!doc) return fail(found);
    const seen = chain.findIndex((c) => c.key === doc.key);
    if (seen >= 0) {
      const loop = [...chain.slice(seen).map((c) => c.type), entry.type].join(' -> ');
      return fail([{ code: 'E_CYCLE', message: `Subgraph cycle: ${loop}.`, hint: 'A subgraph cannot contain itself, directly or through other subgraphs.' }]);
    }
    const pin = pinIssue(entry, doc, scope);
    if (pin) return fail([pin]);
    const { iface, issues: interfaceIssues } = resolver.interfaceOf(doc, chain.map((c) => c.key));
    if (!iface || interfaceIssues.length) return fail([...found, ...interfaceIssues]);
    issues.push(...found.map((issue) => ({ ...issue, nodeId: issue.nodeId !== undefined ? `${id}/${issue.nodeId}` : id, nodeType: issue.nodeType ?? entry.type })));
    if (entry.version !== undefined && entry.version !== iface.version) issues.push(versionIssue(entry, iface.version, doc, at));

    const inject = new Map<string, Map<string, InputValue>>();
    for (const [name, value] of Object.entries(inputs)) {
      if (value === null || value === undefined) continue; // unset: the subgraph's own value stays
      const bound = iface.bindings.get(name);
      if (!bound) {
        issues.push({
          code: 'E_UNKNOWN_INPUT', ...at, input: name, message: `${entry.type} has no input "${name}".`,
          hint: `Its inputs are: ${[...iface.bindings.keys()].join(', ') || '(none)'}.`,
        });
        continue;
      }
      for (const b of bound) {
        if (!inject.has(b.node)) inject.set(b.node, new Map());
        inject.get(b.node)!.set(b.input, value);
      }
    }
    const prefix = `${id}/`;
    const flatBindings = new Map([...iface.bindings].map(([name, list]) => [name, list.map((b) => ({ node: prefix + b.node, input: b.input }))]));
    const flatOutputs = new Map([...iface.outputMap].map(([name, b]) => [name, { node: prefix + b.node, output: b.output }]));
    if (Object.hasOwn(flat, id)) return place(id, entry); // reports the collision
    instances.set(id, { type: entry.type, bindings: flatBindings, outputs: flatOutputs });
    level(doc.file.nodes, prefix, depth + 1, doc.scope, inject, [...chain, { key: doc.key, type: entry.type }], noCache);
  };

  level(file.nodes, '', 0, resolver.root, new Map(), [], false);
  if (fatal) return { file, instances, failed, issues, fatal };

  // Links from instances now lead to the inner outputs they stand for (through nested instances: bounded hops).
  for (const [id, entry] of Object.entries(flat)) {
    for (const [name, value] of Object.entries(entry.inputs ?? {})) {
      if (!isLink(value)) continue;
      let link: Link = value;
      for (let hops = 0; instances.has(link.from) && hops <= MAX_SUBGRAPH_DEPTH; hops++) {
        const inst = instances.get(link.from)!;
        const target = inst.outputs.get(link.output);
        if (!target) {
          issues.push({
            code: 'E_DANGLING_LINK', nodeId: id, nodeType: entry.type, input: name,
            message: `Subgraph node "${link.from}" (${inst.type}) has no output "${link.output}".`,
            hint: `Its outputs are: ${[...inst.outputs.keys()].join(', ') || '(none)'}.`,
          });
          break;
        }
        link = { from: target.node, output: target.output };
      }
      setOwn(entry.inputs!, name, link);
    }
  }

  const outputNodesIn = (instanceId: string): string[] =>
    Object.keys(flat).filter((id) => id.startsWith(`${instanceId}/`) && registry.get(flat[id].type)?.isOutput === true);
  const mapTargets = (ids: readonly string[] | undefined): string[] | undefined =>
    ids?.flatMap((id) => {
      if (!instances.has(id)) return [id];
      const inner = outputNodesIn(id);
      if (!inner.length) issues.push({ code: 'E_NO_OUTPUT', nodeId: id, nodeType: instances.get(id)!.type, message: `Requested subgraph node "${id}" holds no output node.` });
      return inner.length ? inner : [id];
    });
  const { subgraphs: _s, interface: _i, requires: _r, ...rest } = file;
  const flatFile: GraphFile = { ...rest, nodes: flat };
  if (file.outputs) flatFile.outputs = mapTargets(file.outputs);
  return { file: flatFile, instances, failed, issues, fatal, requested: mapTargets(requested) };
}

/** The library file's sha256 against the pin on the node entry and in the using document's `requires` table. */
function pinIssue(entry: NodeEntry, doc: SubgraphDoc, scope: Scope): GraphIssue | undefined {
  const pins = [entry.sha256, getOwn(scope.requires, entry.type)?.sha256].filter((p): p is string => p !== undefined);
  if (!pins.length) return undefined;
  if (doc.kind !== 'lib') return { code: 'E_GRAPH_FORMAT', message: '"sha256" pins library subgraphs ("lib/NAME") only: an embedded subgraph is in the file already.' };
  const wrong = pins.find((pin) => pin !== doc.sha256);
  if (!wrong) return undefined;
  return {
    code: 'E_SUBGRAPH_HASH',
    message: `Expected ${entry.type} with sha256 ${wrong} but the library file ${doc.path} has sha256 ${doc.sha256}.`,
    hint: 'The library subgraph changed since the graph was saved: get the version it was saved with, embed it in the file ("subgraphs"), or update the pin if the new version is wanted.',
  };
}

function versionIssue(entry: NodeEntry, installed: number, doc: SubgraphDoc, at: { nodeId: string; nodeType: string }): GraphIssue {
  const where = doc.path ? ` (${doc.path})` : '';
  if (entry.version! > installed) {
    return {
      code: 'E_NODE_VERSION', ...at,
      message: `Expected ${entry.type} interface version <= ${installed} but the node was saved with version ${entry.version}.`,
      hint: `The graph was saved with a newer ${entry.type}${where}; install that version of the subgraph to run it.`,
    };
  }
  return {
    code: 'E_NODE_VERSION', ...at,
    message: `The node was saved with ${entry.type} interface version ${entry.version}, but the installed one${where} is version ${installed}; subgraphs have no migrations.`,
    hint: `Check the node's inputs against \`cones nodes ${entry.type}\`, then set its "version" to ${installed}.`,
  };
}

/**
 * Overrides (`--set ID.INPUT=...`) naming a subgraph node inside a subgraph (`a/b.steps`): they become overrides of
 * the inner inputs its interface input feeds. Overrides of plain flat nodes pass through; unknown ids stay for the
 * caller to report.
 */
export function overridesThroughInstances(
  overrides: readonly InputOverride[], expansion: Expansion,
): { overrides: InputOverride[]; issues: GraphIssue[] } {
  const out: InputOverride[] = [];
  const issues: GraphIssue[] = [];
  const visit = (o: InputOverride, hops: number): void => {
    const inst = expansion.instances.get(o.nodeId);
    if (!inst || hops > MAX_SUBGRAPH_DEPTH) return void out.push(o);
    const bound = inst.bindings.get(o.input);
    if (!bound) {
      issues.push({ code: 'E_UNKNOWN_INPUT', nodeId: o.nodeId, nodeType: inst.type, input: o.input, message: `${inst.type} has no input "${o.input}" (set by an override).` });
      return;
    }
    for (const b of bound) visit({ nodeId: b.node, input: b.input, text: o.text }, hops + 1);
  };
  for (const o of overrides) visit(o, 0);
  return { overrides: out, issues };
}
