// litegraph node types built from GET /api/nodes: nothing about a node type is declared in the editor.
// Slot types are the engine's port type names, so litegraph refuses a wrong link while wiring.
import { addInputWidget } from './widgets.js';
import { drawNodeState } from './node-state.js';

const LG = globalThis.LiteGraph;
const MIN_NODE_WIDTH = 280;
/** litegraph type name of the placeholder for node types the server does not know. */
export const UNKNOWN_TYPE = 'cones/unknown';

/** cones type -> litegraph type name ("category/Type"). */
export const lgTypeOf = new Map();
/** cones type -> its description (server types, library subgraphs, the open file's embedded subgraphs). */
export const descriptionOf = new Map();
/** The hooks given at start, for types registered later (a file's embedded subgraphs). */
let savedHooks;
/** Embedded subgraph types currently registered (they change with the file). */
const embeddedTypes = new Set();

/**
 * An input slot for a literal-capable input ("convert to input"): while a link is connected the widget is
 * disabled and the link wins; the literal is kept and used again when the link is removed.
 */
export function addLiteralSlot(node, name) {
  if (node.findInputSlot(name) >= 0) return node.findInputSlot(name);
  const input = node.conesDesc.inputs.find((i) => i.name === name);
  const [width, height] = node.size;
  node.addInput(name, input.type, { conesInput: name, label: `${name} ⇠` }); // litegraph shrinks the node to fit here
  const fit = node.computeSize();
  node.setSize([Math.max(width, fit[0]), Math.max(height, fit[1])]);
  return node.findInputSlot(name);
}

export function removeLiteralSlot(node, name) {
  const slot = node.findInputSlot(name);
  if (slot >= 0) node.removeInput(slot);
  syncLinkedWidgets(node);
}

/** Disables the widget of every input that currently receives a link. */
export function syncLinkedWidgets(node) {
  for (const w of node.widgets ?? []) {
    // a seed's control and randomize button follow the seed widget: a linked seed is set by its source node
    const name = w.conesInput ?? w.conesControlFor ?? w.conesFollows;
    if (!name) continue;
    const slot = node.findInputSlot(name);
    w.disabled = slot >= 0 && node.inputs[slot].link != null;
  }
}

/**
 * A node that only passes one integer literal on (Integer): it can feed a seed, so its value gets the same
 * "control after run" as a seed widget (a linked seed widget's own control is disabled).
 */
export function isIntegerConstant(desc) {
  return desc.inputs.length === 1 && !desc.inputs[0].linkOnly && desc.inputs[0].schema?.type === 'integer'
    && desc.outputs.length === 1 && desc.outputs[0].type === 'INT';
}

function build(node, desc, hooks) {
  node.conesDesc = desc;
  node.conesExplicit = new Set();
  node.conesState = {};
  for (const input of desc.inputs) {
    if (input.linkOnly) {
      node.addInput(input.name, input.type, { conesInput: input.name, label: input.required ? input.name : `${input.name} (optional)` });
    } else {
      const controllable = isIntegerConstant(desc);
      addInputWidget(node, input, (name) => { node.conesExplicit.add(name); hooks.changed(node); }, { ...hooks, controllable });
    }
  }
  for (const output of desc.outputs) node.addOutput(output.name, output.type);
  hooks.extend?.(node);
  const size = node.computeSize();
  node.size = [Math.max(MIN_NODE_WIDTH, size[0]), size[1]];
}

function menuFor(node, hooks) {
  const items = [...(hooks.menu?.(node) ?? [])];
  for (const input of node.conesDesc.inputs) {
    if (input.linkOnly) continue;
    const has = node.findInputSlot(input.name) >= 0;
    items.push({
      content: has ? `Remove input slot: ${input.name}` : `Convert to input: ${input.name}`,
      callback: () => (has ? removeLiteralSlot(node, input.name) : addLiteralSlot(node, input.name)),
    });
  }
  return items;
}

/** Registers the litegraph type of one node description. */
export function registerNodeType(desc, hooks = savedHooks) {
  function ConesNode() {
    build(this, desc, hooks);
  }
  ConesNode.title = desc.type;
  ConesNode.desc = desc.description;
  ConesNode.prototype.getExtraMenuOptions = function (_canvas, options) {
    const items = menuFor(this, hooks);
    if (items.length) options.push(null, ...items);
  };
  ConesNode.prototype.onConnectionsChange = function () {
    syncLinkedWidgets(this);
    hooks.changed(this);
  };
  ConesNode.prototype.onDrawForeground = function (ctx) {
    drawNodeState(this, ctx);
    hooks.drawForeground?.(this, ctx);
  };
  if (desc.deprecated) ConesNode.title += ' (deprecated)';
  const lgType = `${desc.category}/${desc.type}`;
  LG.registerNodeType(lgType, ConesNode);
  lgTypeOf.set(desc.type, lgType);
  descriptionOf.set(desc.type, desc);
}

/**
 * Makes the embedded subgraph types of the open file the registered ones: those of the previous file are removed
 * (from the Add Node menu too), `descriptions` registered.
 */
export function setEmbeddedTypes(descriptions) {
  for (const type of embeddedTypes) {
    const lgType = lgTypeOf.get(type);
    if (lgType && LG.registered_node_types[lgType]) LG.unregisterNodeType(lgType);
    lgTypeOf.delete(type);
    descriptionOf.delete(type);
  }
  embeddedTypes.clear();
  for (const desc of descriptions) {
    registerNodeType(desc);
    embeddedTypes.add(desc.type);
  }
}

/** Registers one litegraph type per node description (plus the unknown-type placeholder). */
export function registerNodeTypes(descriptions, hooks) {
  savedHooks = hooks;
  for (const desc of descriptions) registerNodeType(desc, hooks);

  // A node whose type the server does not know keeps its file entry verbatim, so saving loses nothing.
  function UnknownNode() {
    this.conesState = {};
    this.size = [MIN_NODE_WIDTH, 60];
    this.color = '#633';
    this.bgcolor = '#433';
  }
  UnknownNode.title = 'Unknown type';
  UnknownNode.prototype.onDrawForeground = function (ctx) {
    drawNodeState(this, ctx);
  };
  UnknownNode.skip_list = true;
  LG.registerNodeType(UNKNOWN_TYPE, UnknownNode);
}
