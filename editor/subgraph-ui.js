// Subgraphs in the editor: the node menu's "Collapse to subgraph" (several nodes selected), "Open subgraph",
// "Save to library" and "Use lib/NAME" (on a `subgraph/NAME` node), and the breadcrumb bar while an embedded
// subgraph is open for editing.
//
// Opening shows the subgraph's own graph on the canvas (a second canvas state); Back writes what is on the canvas
// into the root file's `subgraphs` section and shows the level above. Embedded subgraphs always live in the root
// file's table (the engine looks `subgraph/NAME` up in the table of the file carrying it), so a subgraph opened
// inside another is written back there too. Undo covers the level on the canvas: the level above keeps its steps
// while a subgraph is open, and everything changed inside becomes one step of it on Back. Collapse works on the
// root graph only (collapsing inside an open subgraph would need nested tables).
import { api } from './api.js';
import { registerNodeType } from './node-types.js';
import { checkSubgraphName, collapseToSubgraph } from './subgraph-collapse.js';
import { EMBEDDED_PREFIX, LIB_PREFIX } from './subgraph-types.js';
import { describeError } from './upload.js';

/**
 * `ctx`: { graph, canvas, current() -> the canvas as a file, show(file, { subgraphs }) replaces the canvas,
 * history, status(text, isError), log(text, kind), openAsEdit(file, source) -> bool }.
 */
export function createSubgraphUi(ctx) {
  /** The root file while a subgraph is open (its `subgraphs` section is kept up to date), and the open names. */
  let root = null;
  const stack = [];
  /** The undo steps of each level above the one on the canvas. */
  const held = [];
  const bar = document.createElement('nav');
  bar.id = 'subgraph-bar';
  bar.hidden = true;
  ctx.canvas.canvas.parentElement.append(bar);

  const fail = (what, err) => {
    const text = `${what}: ${err.code ? `${err.code}: ` : ''}${err.message}`;
    ctx.status(text, true);
    ctx.log(text, 'error');
  };

  function renderBar() {
    bar.hidden = !stack.length;
    const back = Object.assign(document.createElement('button'), { id: 'subgraph-back', textContent: '← Back', title: 'Write the changes into the file and show the level above' });
    back.onclick = () => close();
    const crumbs = ['graph', ...stack].map((name, i) => Object.assign(document.createElement('span'), {
      className: 'crumb', textContent: i ? `${EMBEDDED_PREFIX}${name}` : name,
    }));
    bar.replaceChildren(back, ...crumbs.flatMap((c, i) => (i ? [' › ', c] : [c])));
  }

  /** The whole file as it would be saved: the root with the open subgraph's edits written in. */
  function rootFile() {
    if (!stack.length) return ctx.current();
    const file = structuredClone(root);
    file.subgraphs = { ...file.subgraphs, [stack.at(-1)]: ctx.current() };
    return file;
  }

  function open(name) {
    try {
      if (!stack.length) root = ctx.current();
      else root.subgraphs[stack.at(-1)] = ctx.current();
      const inner = root.subgraphs?.[name];
      if (!inner || typeof inner !== 'object') throw Object.assign(new Error(`The file embeds no subgraph "${name}".`), { code: 'E_UNKNOWN_NODE_TYPE' });
      const steps = ctx.history.suspend();
      stack.push(name);
      held.push(steps);
      ctx.show(inner, { subgraphs: root.subgraphs });
      ctx.history.reset();
      renderBar();
      ctx.status(`editing ${EMBEDDED_PREFIX}${name}`);
    } catch (err) {
      fail(`open ${name}`, err);
    }
  }

  /** Writes the open subgraph back and shows the level above. */
  function close() {
    if (!stack.length) return;
    const name = stack.pop();
    root.subgraphs = { ...root.subgraphs, [name]: ctx.current() };
    if (stack.length) ctx.show(root.subgraphs[stack.at(-1)], { subgraphs: root.subgraphs });
    else {
      ctx.show(root, {});
      root = null;
    }
    ctx.history.resume(held.pop());
    renderBar();
    ctx.status(`back from ${EMBEDDED_PREFIX}${name}`);
  }

  /** Forgets the open subgraphs (another graph was opened). */
  function reset() {
    stack.length = 0;
    held.length = 0;
    root = null;
    renderBar();
  }

  function collapse(nodeIds, name) {
    try {
      if (stack.length) throw Object.assign(new Error('Collapse works on the top-level graph: go Back first.'), { code: 'E_SUBGRAPH_OPEN' });
      const { file, nodeId } = collapseToSubgraph(ctx.current(), nodeIds, name);
      if (ctx.openAsEdit(file, `collapsed ${nodeIds.length} node(s) into ${EMBEDDED_PREFIX}${name}`)) return nodeId;
    } catch (err) {
      fail('collapse', err);
    }
    return undefined;
  }

  function askCollapse(node) {
    const ids = Object.values(ctx.canvas.selected_nodes ?? {}).map((n) => n.conesId).filter(Boolean);
    if (!ids.includes(node.conesId)) ids.push(node.conesId);
    const name = globalThis.prompt('Subgraph name (letters, digits, _ and -)', 'group');
    if (name === null) return;
    try {
      checkSubgraphName(name, ctx.current());
    } catch (err) {
      return fail('collapse', err);
    }
    collapse(ids, name);
  }

  /** POST /api/lib/NAME with the embedded subgraph; the library type is registered from the server's answer. */
  async function saveToLibrary(name, { overwrite = false } = {}) {
    const file = rootFile().subgraphs?.[name];
    try {
      const r = await api(`/api/lib/${encodeURIComponent(name)}${overwrite ? '?overwrite=1' : ''}`, { method: 'POST', json: file });
      if (r.description) registerNodeType(r.description);
      ctx.status(`saved ${LIB_PREFIX}${name} to the library`);
      ctx.log(`saved ${LIB_PREFIX}${name} to the library`);
      return r;
    } catch (err) {
      if (err.code === 'E_LIB_EXISTS' && !overwrite && globalThis.confirm(`${LIB_PREFIX}${name} exists in the library: replace it?`)) {
        return saveToLibrary(name, { overwrite: true });
      }
      const text = `save ${LIB_PREFIX}${name}: ${describeError(err)}`;
      ctx.status(text, true);
      ctx.log(text, 'error');
      return undefined;
    }
  }

  /** Changes node `nodeId`'s type (embedded <-> library) as an undoable edit. */
  function switchType(nodeId, type, version) {
    const file = ctx.current();
    if (!file.nodes[nodeId]) return false;
    file.nodes[nodeId] = { ...file.nodes[nodeId], type, version };
    return ctx.openAsEdit(file, `${nodeId} is now ${type}`);
  }

  /** Items of a node's context menu. */
  function menu(node) {
    const items = [];
    const selected = Object.keys(ctx.canvas.selected_nodes ?? {}).length;
    if (!stack.length && selected >= 1) items.push({ content: 'Collapse to subgraph', callback: () => askCollapse(node) });
    const type = node.conesDesc?.type ?? '';
    if (type.startsWith(EMBEDDED_PREFIX)) {
      const name = type.slice(EMBEDDED_PREFIX.length);
      items.push({ content: 'Open subgraph', callback: () => open(name) });
      items.push({
        content: 'Save to library',
        callback: () => {
          saveToLibrary(name).then((r) => {
            if (r?.description && globalThis.confirm(`Use ${LIB_PREFIX}${name} for ${node.conesId}?`)) switchType(node.conesId, r.type, r.description.version);
          });
        },
      });
    }
    return items;
  }

  return {
    menu, open, close, reset, collapse, saveToLibrary, switchType, rootFile,
    /** Where `subgraph/NAME` types are looked up for the level on the canvas (undo restores use it). */
    scope: () => (stack.length ? root.subgraphs : undefined),
    get path() { return [...stack]; },
  };
}
