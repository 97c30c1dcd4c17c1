// The editor reads and writes the project's one graph file format (engine/types.ts), the same file the CLI runs:
//   { format: 'cones-graph', version: 1, nodes: { id: { type, version, inputs: { name: literal | {from, output} } } },
//     outputs?, meta?, editor?: { nodes: { id: { pos: [x, y], control?: { input: mode } } },
//     groups?: [{ title, color, bounding: [x, y, w, h] }] } }
// Round trips are lossless: inputs left out stay left out (until edited), literals that are unchanged are
// written exactly as read, unknown node types, dangling links and every other key are carried through.
import { UNKNOWN_TYPE, addLiteralSlot, descriptionOf, lgTypeOf, setEmbeddedTypes, syncLinkedWidgets } from './node-types.js';
import { describeEmbedded } from './subgraph-types.js';
import { CONTROL_MODES } from './widgets.js';

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
  // Subgraph types (lib/NAME, subgraph/NAME) give NAME: "/" in a node id is left to subgraph paths (first/sampler).
  const base = type.split('/').pop().toLowerCase() || 'node';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/**
 * Replaces the graph's content with `file`. Returns the document (kept for the parts the canvas does not hold).
 * The file's embedded subgraphs become node types first; `subgraphs` overrides where they are taken from (an
 * embedded subgraph opened for editing uses its siblings in the outer file).
 */
export function loadGraphFile(graph, file, { subgraphs } = {}) {
  checkGraphFile(file);
  const doc = structuredClone(file);
  setEmbeddedTypes(describeEmbedded(subgraphs ?? doc.subgraphs, (type) => descriptionOf.get(type)));
  graph.clear();
  const ids = Object.keys(doc.nodes);
  const entries = ids.map((id, i) => ({
    id, entry: doc.nodes[id], editor: doc.editor?.nodes?.[id],
    gridPos: [GRID.margin + (i % GRID.perRow) * GRID.x, GRID.margin + Math.floor(i / GRID.perRow) * GRID.y],
  }));
  addFileNodes(graph, entries);
  for (const entry of Array.isArray(doc.editor?.groups) ? doc.editor.groups : []) addGroup(graph, entry);
  return doc;
}

/**
 * Adds nodes given as file entries ({ id, entry, editor?, gridPos? }) and links their inputs: a link's `from` is
 * looked up among the added nodes first, then in the graph. A link litegraph cannot make (missing node, output or
 * wrong type) is kept verbatim. Returns the added nodes.
 */
export function addFileNodes(graph, entries) {
  const byId = new Map();
  const added = [];
  for (const { id, entry, editor, gridPos } of entries) {
    const lgType = lgTypeOf.get(entry.type);
    const node = LG.createNode(lgType ?? UNKNOWN_TYPE);
    node.conesId = id;
    node.conesOrder = ++nodeOrder;
    node.conesRaw = entry;
    node.conesDangling = {};
    node.title = entry.title ?? (lgType ? entry.type : `${entry.type} (unknown type)`);
    const pos = editor?.pos;
    node.pos = Array.isArray(pos) ? [pos[0], pos[1]] : gridPos ?? [GRID.margin, GRID.margin];
    graph.add(node);
    byId.set(id, node);
    added.push(node);
    if (!lgType) continue;
    for (const [name, value] of Object.entries(entry.inputs ?? {})) {
      const widget = node.widgets?.find((w) => w.conesInput === name);
      if (isLink(value)) continue;
      if (widget) {
        widget.conesSet(structuredClone(literalOf(value)));
        node.conesExplicit.add(name);
      }
    }
    setControlModes(node, editor?.control);
  }
  // Links once every node exists.
  const find = (id) => byId.get(id) ?? graph._nodes.find((n) => n.conesId === id);
  for (const { id, entry } of entries) {
    const node = byId.get(id);
    if (!node.conesDesc) continue;
    for (const [name, value] of Object.entries(entry.inputs ?? {})) {
      if (!isLink(value)) continue;
      const desc = node.conesDesc.inputs.find((i) => i.name === name);
      const src = find(value.from);
      const outSlot = src?.findOutputSlot?.(value.output) ?? -1;
      let inSlot = node.findInputSlot(name);
      if (desc && !desc.linkOnly && inSlot < 0) inSlot = addLiteralSlot(node, name);
      if (!desc || outSlot < 0 || inSlot < 0 || !src.connect(outSlot, node, inSlot)) node.conesDangling[name] = value;
    }
    syncLinkedWidgets(node);
  }
  return added;
}

// --- seed controls (editor.nodes[id].control = { input: mode }) -------------------------------------------------

function setControlModes(node, modes) {
  if (typeof modes !== 'object' || modes === null) return;
  for (const w of node.widgets ?? []) {
    if (w.conesControlFor && CONTROL_MODES.includes(modes[w.conesControlFor])) w.value = modes[w.conesControlFor];
  }
}

/** The node's control modes by input, or undefined when it has no control widget. */
export function controlModes(node) {
  const controls = (node.widgets ?? []).filter((w) => w.conesControlFor);
  if (!controls.length) return undefined;
  return Object.fromEntries(controls.map((w) => [w.conesControlFor, w.value]));
}

// --- groups (editor.groups = [{ title, color, bounding: [x, y, w, h], font_size? }]) --------------------------------
const isBounding = (b) => Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number' && Number.isFinite(v));

/** Adds a litegraph group made from a file entry; keys the editor does not use are carried through. */
export function addGroup(graph, entry) {
  const group = new LG.LGraphGroup(typeof entry?.title === 'string' ? entry.title : 'Group');
  if (isBounding(entry?.bounding)) group._bounding.set(entry.bounding);
  if (typeof entry?.color === 'string') group.color = entry.color;
  if (typeof entry?.font_size === 'number') group.font_size = entry.font_size;
  group.conesRaw = entry;
  graph.add(group);
  return group;
}

function groupEntry(group) {
  const raw = typeof group.conesRaw === 'object' && group.conesRaw !== null ? structuredClone(group.conesRaw) : {};
  const entry = { ...raw, title: group.title, color: group.color, bounding: Array.from(group._bounding, Math.round) };
  if (group.font_size !== DEFAULT_GROUP_FONT_SIZE || raw.font_size !== undefined) entry.font_size = group.font_size;
  return entry;
}
const DEFAULT_GROUP_FONT_SIZE = 24;

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

let nodeOrder = 0;

/**
 * The nodes in the order they came into the graph (file order, then nodes added in the editor): litegraph brings a
 * clicked node to the front of its list, which must not reorder the saved file.
 */
function fileOrder(graph) {
  for (const node of graph._nodes) node.conesOrder ??= ++nodeOrder;
  return [...graph._nodes].sort((a, b) => a.conesOrder - b.conesOrder);
}

/** The graph as a file: the loaded document's other keys, the canvas's nodes, links and positions. */
export function toGraphFile(graph, doc = {}) {
  const out = { format: GRAPH_FORMAT, version: GRAPH_FORMAT_VERSION };
  for (const [k, v] of Object.entries(doc)) {
    if (!['format', 'version', 'nodes', 'editor', 'outputs'].includes(k)) out[k] = structuredClone(v);
  }
  out.nodes = {};
  const editorNodes = {};
  for (const node of fileOrder(graph)) {
    if (!node.conesId) continue;
    out.nodes[node.conesId] = nodeEntry(graph, node);
    const pos = [Math.round(node.pos[0]), Math.round(node.pos[1])];
    const before = doc.editor?.nodes?.[node.conesId] ?? {};
    const editorEntry = { ...structuredClone(before), pos };
    // Control modes are written once one is not "fixed" (or the file had them), so plain graphs stay as they were.
    const modes = controlModes(node);
    if (modes && (before.control !== undefined || Object.values(modes).some((m) => m !== 'fixed'))) editorEntry.control = modes;
    else delete editorEntry.control;
    editorNodes[node.conesId] = editorEntry;
  }
  if (Array.isArray(doc.outputs)) out.outputs = doc.outputs.filter((id) => id in out.nodes);
  out.editor = { ...structuredClone(doc.editor ?? {}), nodes: editorNodes };
  if (graph._groups.length || doc.editor?.groups !== undefined) out.editor.groups = graph._groups.map(groupEntry);
  return out;
}
