// Copy / paste of nodes as graph-file entries (graph-io.js), so a pasted node keeps every widget value, layout,
// title, control mode and cache flag. The payload lives in localStorage, so it pastes into any editor tab of the
// same origin (as ComfyUI does). Links between the copied nodes are kept; with `withIncoming` (Ctrl+Shift+V) links
// coming into the copied nodes from nodes outside the copy are kept too, when a node with that id exists where
// they are pasted.
import { addFileNodes, isLink, newNodeId, toGraphFile } from './graph-io.js';

export const CLIPBOARD_KEY = 'cones-graph:clipboard';
const CLIPBOARD_KIND = 'cones-graph-clipboard';
const PASTE_STEP = 20;

/** Copies the selected nodes; returns how many were copied. */
export function copyNodes(graph, canvas, doc) {
  const selected = Object.values(canvas.selected_nodes ?? {}).filter((n) => n.conesId);
  if (!selected.length) return 0;
  const file = toGraphFile(graph, doc);
  const nodes = selected.map((n) => ({
    id: n.conesId, entry: file.nodes[n.conesId], editor: file.editor.nodes[n.conesId],
  }));
  localStorage.setItem(CLIPBOARD_KEY, JSON.stringify({ kind: CLIPBOARD_KIND, version: 1, nodes }));
  return nodes.length;
}

export function readClipboard() {
  try {
    const payload = JSON.parse(localStorage.getItem(CLIPBOARD_KEY) ?? 'null');
    return payload?.kind === CLIPBOARD_KIND && Array.isArray(payload.nodes) ? payload : null;
  } catch {
    return null;
  }
}

/**
 * Pastes the clipboard with its top-left node at `at` (canvas coordinates). New nodes get fresh ids; returns them
 * (selected on the canvas), or [] when the clipboard holds no nodes.
 */
export function pasteNodes(graph, canvas, { at, withIncoming = false } = {}) {
  const payload = readClipboard();
  if (!payload?.nodes.length) return [];
  const copied = new Set(payload.nodes.map((n) => n.id));
  const idMap = new Map();
  const taken = new Set(graph._nodes.map((n) => n.conesId));
  for (const { id, entry } of payload.nodes) {
    let fresh = newNodeId(graph, entry.type);
    for (let i = 2; taken.has(fresh); i++) fresh = `${entry.type.toLowerCase()}${i}`;
    taken.add(fresh);
    idMap.set(id, fresh);
  }
  const positions = payload.nodes.map((n) => n.editor?.pos).filter(Array.isArray);
  const origin = positions.length
    ? [Math.min(...positions.map((p) => p[0])), Math.min(...positions.map((p) => p[1]))] : [0, 0];
  const target = at ?? [origin[0] + PASTE_STEP, origin[1] + PASTE_STEP];
  const exists = (id) => graph._nodes.some((n) => n.conesId === id);

  const entries = payload.nodes.map(({ id, entry, editor }, i) => {
    const inputs = {};
    for (const [name, value] of Object.entries(entry.inputs ?? {})) {
      if (!isLink(value)) inputs[name] = value;
      else if (copied.has(value.from)) inputs[name] = { from: idMap.get(value.from), output: value.output };
      else if (withIncoming && exists(value.from)) inputs[name] = value;
      // any other link is dropped: the input falls back to its literal or stays unset
    }
    const pos = Array.isArray(editor?.pos) ? editor.pos : [origin[0], origin[1] + i * PASTE_STEP];
    const pasted = { ...structuredClone(entry) };
    if (entry.inputs !== undefined) pasted.inputs = inputs;
    return {
      id: idMap.get(id), entry: pasted,
      editor: { ...structuredClone(editor ?? {}), pos: [pos[0] - origin[0] + target[0], pos[1] - origin[1] + target[1]] },
    };
  });
  const added = addFileNodes(graph, entries);
  canvas.selectNodes(added);
  canvas.setDirty(true, true);
  return added;
}
