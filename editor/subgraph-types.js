// Node descriptions of a file's embedded subgraphs (`subgraph/NAME`, the file's top-level `subgraphs` section), made
// in the browser from the descriptions of their inner nodes, as the engine does (engine/subgraph/interface.ts): an
// interface input takes the type, schema, file kind and description of the first inner input it feeds, its default
// is the literal the subgraph gives that input; an output takes the inner output's type. Inner nodes may be library
// (`lib/NAME`) or other embedded subgraphs. What cannot be typed here (an unknown inner type, a cycle, a broken
// interface) is left as the engine's business: the server reports it with its code when the graph is validated.

export const EMBEDDED_PREFIX = 'subgraph/';
export const LIB_PREFIX = 'lib/';
/** The engine's SUBGRAPH_NAME_PATTERN: letters, digits, _ and -, at most 100. */
export const SUBGRAPH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const MAX_DEPTH = 8;
const MAX_TEXT = 1000;
const UNTYPED = 'UNTYPED';

const isLink = (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.from === 'string' && typeof v.output === 'string';
const literalOf = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && 'value' in v ? v.value : v);
const own = (record, key) => (record && typeof record === 'object' && Object.hasOwn(record, key) ? record[key] : undefined);
const text = (v) => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : undefined);

/**
 * Descriptions (the shape of GET /api/nodes entries) of every embedded subgraph of `subgraphs` that can be typed.
 * `known(type)` returns the description of a registered or library type.
 */
export function describeEmbedded(subgraphs, known) {
  if (typeof subgraphs !== 'object' || subgraphs === null || Array.isArray(subgraphs)) return [];
  const memo = new Map();
  const describe = (name, chain) => {
    if (memo.has(name)) return memo.get(name);
    if (!SUBGRAPH_NAME.test(name) || chain.includes(name) || chain.length > MAX_DEPTH) return undefined;
    const file = own(subgraphs, name);
    const result = file && typeof file === 'object' ? describeOne(name, file, (type) => {
      if (type.startsWith(EMBEDDED_PREFIX)) return describe(type.slice(EMBEDDED_PREFIX.length), [...chain, name]);
      return known(type);
    }) : undefined;
    memo.set(name, result);
    return result;
  };
  return Object.keys(subgraphs).map((name) => describe(name, [])).filter(Boolean);
}

function describeOne(name, file, known) {
  const iface = file.interface;
  if (typeof iface !== 'object' || iface === null || typeof file.nodes !== 'object' || file.nodes === null) return undefined;
  const portsOf = (nodeId) => {
    const entry = own(file.nodes, nodeId);
    return entry && typeof entry.type === 'string' ? known(entry.type) : undefined;
  };
  const inputs = [];
  for (const [inputName, raw] of Object.entries(iface.inputs ?? {})) {
    let spec;
    let optional = false;
    for (const b of Array.isArray(raw) ? raw : [raw]) {
      const inner = portsOf(b?.node)?.inputs.find((i) => i.name === b.input);
      if (!inner) continue;
      const given = own(own(file.nodes, b.node)?.inputs, b.input);
      const hasLiteral = given !== undefined && given !== null && !isLink(given);
      optional ||= !inner.required || (given !== undefined && given !== null);
      spec ??= {
        type: inner.type, file: inner.file, description: inner.description, linkOnly: inner.linkOnly,
        schema: inner.schema && hasLiteral ? { ...inner.schema, default: structuredClone(literalOf(given)) } : inner.schema,
      };
    }
    spec ??= { type: UNTYPED, linkOnly: true };
    const required = !optional && spec.schema?.default === undefined;
    inputs.push({ name: inputName, ...spec, required });
  }
  const outputs = Object.entries(iface.outputs ?? {}).map(([outputName, b]) => {
    const inner = portsOf(b?.node)?.outputs.find((o) => o.name === b.output);
    return { name: outputName, type: inner?.type ?? UNTYPED, description: inner?.description };
  });
  const isOutput = Object.keys(file.nodes).some((id) => portsOf(id)?.isOutput);
  const meta = file.meta ?? {};
  const type = `${EMBEDDED_PREFIX}${name}`;
  return {
    type, version: iface.version, isOutput, inputs, outputs, embedded: true,
    category: text(meta.category) ?? 'subgraph',
    description: text(meta.description) ?? text(meta.title) ?? `The graph ${type} as one node.`,
  };
}
