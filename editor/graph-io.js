// The editor reads and writes the project's one graph file format (engine/types.ts), the same file the CLI runs:
//   { format: 'cones-graph', version: 1, nodes: { id: { type, version, inputs: { name: literal | {from, output} } } },
//     outputs?, meta?, editor?: { nodes: { id: { pos: [x, y] } } } }
// Round trips are lossless: inputs left out stay left out (until edited), literals that are unchanged are
// written exactly as read, unknown node types, dangling links and every other key are carried through.
import { UNKNOWN_TYPE, addLiteralSlot, lgTypeOf, syncLinkedWidgets } from './node-types.js';

const LG = globalThis.LiteGraph;
export const GRAPH_FORMAT = 'cones-graph';
export const GRAPH_FORMAT_VERSION = 1;
const GRID = { x: 300, y: 220, perRow: 4, margin: 40 };

export function isLink(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 2
    && typeof value.from === 'string' && typeof value.output === 'string';
}

function isValueWrapper(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'value' in value;
}

/** A literal as written in a file: objects that would read as a link or a wrapper are wrapped in { value }. */
function fileLiteral(value) {
  return isLink(value) || isValueWrapper(value) ? { value } : value;
}

const literalOf = (v) => (isValueWrapper(v) ? v.value : v);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Throws an Error with a message for the user when `file` is not a graph the editor can open. */
export function checkGraphFile(file) {
  if (typeof file !== 'object' || file === null || file.format !== GRAPH_FORMAT) {
    const received = file?.format ? `format "${file.format}"` : 'something else';
    throw new Error(`Expected a cones-graph file ({"format": "cones-graph", ...}) but received ${received}.`);
  }
  if (file.version !== GRAPH_FORMAT_VERSION || typeof file.nodes !== 'object' || Array.isArray(file.nodes)) {
    throw new Error(`Expected format version ${GRAPH_FORMAT_VERSION} but the file is version ${file.version}: ` +
      'run `npx cones validate FILE` to see it migrated, or open it after saving with the current CLI.');
  }
}

/** A fresh id for a node added in the editor: the type in lower case, numbered when taken. */
export function newNodeId(graph, type) {
  const taken = new Set(graph._nodes.map((n) => n.conesId));
  const base = type.toLowerCase();
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/** Replaces the graph's content with `file`. Returns the document (kept for the parts the canvas does not hold). */
export function loadGraphFile(graph, file) {
  checkGraphFile(file);
  const doc = structuredClone(file);
  graph.clear();
  const byId = new Map();
  const ids = Object.keys(doc.nodes);
  ids.forEach((id, i) => {
    const entry = doc.nodes[id];
    const lgType = lgTypeOf.get(entry.type);
    const node = LG.createNode(lgType ?? UNKNOWN_TYPE);
    node.conesId = id;
    node.conesRaw = entry;
    node.conesDangling = {};
    node.title = entry.title ?? (lgType ? entry.type : `${entry.type} (unknown type)`);
    const pos = doc.editor?.nodes?.[id]?.pos;
    const gridPos = [GRID.margin + (i % GRID.perRow) * GRID.x, GRID.margin + Math.floor(i / GRID.perRow) * GRID.y];
    node.pos = Array.isArray(pos) ? [pos[0], pos[1]] : gridPos;
    graph.add(node);
    byId.set(id, node);
    if (!lgType) return;
    for (const [name, value] of Object.entries(entry.inputs ?? {})) {
      const widget = node.widgets?.find((w) => w.conesInput === name);
      if (isLink(value)) continue;
      if (widget) {
        widget.conesSet(structuredClone(literalOf(value)));
        node.conesExplicit.add(name);
      }
    }
  });
  // Links once every node exists; a link litegraph cannot make (missing node, output or wrong type) is kept verbatim.
  for (const [id, entry] of Object.entries(doc.nodes)) {
    const node = byId.get(id);
    if (!node.conesDesc) continue;
    for (const [name, value] of Object.entries(entry.inputs ?? {})) {
      if (!isLink(value)) continue;
      const desc = node.conesDesc.inputs.find((i) => i.name === name);
      const src = byId.get(value.from);
      const outSlot = src?.findOutputSlot?.(value.output) ?? -1;
      let inSlot = node.findInputSlot(name);
      if (desc && !desc.linkOnly && inSlot < 0) inSlot = addLiteralSlot(node, name);
      if (!desc || outSlot < 0 || inSlot < 0 || !src.connect(outSlot, node, inSlot)) node.conesDangling[name] = value;
    }
    syncLinkedWidgets(node);
  }
  return doc;
}

function linkInto(graph, node, slot) {
  const linkId = node.inputs?.[slot]?.link;
  if (linkId == null) return undefined;
  const link = graph.links[linkId];
  const src = graph.getNodeById(link.origin_id);
  return { from: src.conesId, output: src.outputs[link.origin_slot].name };
}

function nodeEntry(graph, node) {
  const raw = node.conesRaw;
  if (!node.conesDesc) return structuredClone(raw);
  const desc = node.conesDesc;
  const { inputs: rawInputs = {}, ...rest } = raw ?? { version: desc.version };
  const entry = { ...structuredClone(rest), type: desc.type };
  if (node.title !== desc.type && node.title !== raw?.title) entry.title = node.title;
  const inputs = {};
  for (const input of desc.inputs) {
    const link = linkInto(graph, node, node.findInputSlot(input.name));
    if (link) inputs[input.name] = link;
    else if (node.conesDangling?.[input.name]) inputs[input.name] = node.conesDangling[input.name];
    else if (!input.linkOnly && node.conesExplicit.has(input.name)) {
      const value = node.widgets.find((w) => w.conesInput === input.name).conesGet();
      const before = rawInputs[input.name];
      inputs[input.name] = before !== undefined && !isLink(before) && same(literalOf(before), value) ? before : fileLiteral(value);
    }
  }
  // Inputs the node type does not declare (the engine reports E_UNKNOWN_INPUT) are kept for the user to see.
  for (const [name, value] of Object.entries(rawInputs)) {
    if (!(name in inputs) && !desc.inputs.some((i) => i.name === name)) inputs[name] = value;
  }
  if (raw?.inputs !== undefined || Object.keys(inputs).length) entry.inputs = inputs;
  return entry;
}

/** The graph as a file: the loaded document's other keys, the canvas's nodes, links and positions. */
export function toGraphFile(graph, doc = {}) {
  const out = { format: GRAPH_FORMAT, version: GRAPH_FORMAT_VERSION };
  for (const [k, v] of Object.entries(doc)) {
    if (!['format', 'version', 'nodes', 'editor', 'outputs'].includes(k)) out[k] = structuredClone(v);
  }
  out.nodes = {};
  const editorNodes = {};
  for (const node of graph._nodes) {
    if (!node.conesId) continue;
    out.nodes[node.conesId] = nodeEntry(graph, node);
    const pos = [Math.round(node.pos[0]), Math.round(node.pos[1])];
    editorNodes[node.conesId] = { ...structuredClone(doc.editor?.nodes?.[node.conesId] ?? {}), pos };
  }
  if (Array.isArray(doc.outputs)) out.outputs = doc.outputs.filter((id) => id in out.nodes);
  out.editor = { ...structuredClone(doc.editor ?? {}), nodes: editorNodes };
  return out;
}
