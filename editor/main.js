// Wires the editor: node types from the server, the canvas, the toolbar (graphs menu, open, save, run N times,
// interrupt), drag-and-drop of graph files and cones-graph PNGs (and of images onto the nodes that upload them), the
// file pickers' lists, the history gallery, the websocket and the queue panel, undo/redo, copy/paste, seed controls
// and the keyboard shortcuts, subgraphs (subgraph-ui.js) and mask painting (mask-ui.js).
import { api, clientId, connectEvents } from './api.js';
import { onChoicesChanged, refreshChoices } from './choices.js';
import { copyNodes, pasteNodes } from './clipboard.js';
import { createGallery } from './gallery.js';
import { loadGraphFile, newNodeId, toGraphFile } from './graph-io.js';
import { createHistory } from './history.js';
import { registerNodeTypes } from './node-types.js';
import { graphFromPng } from './png-graph.js';
import { createQueuePanel } from './queue-panel.js';
import { applyRunEvent, resetNodeStates, showIssues } from './run-events.js';
import { applyControls } from './seed-control.js';
import { installShortcuts, showShortcuts } from './shortcuts.js';
import { createMaskUi } from './mask-ui.js';
import { createSubgraphUi } from './subgraph-ui.js';
import { describeError, isUploadableImage, UPLOAD_FOLDERS, uploadInto } from './upload.js';

const LG = globalThis.LiteGraph;
const $ = (id) => document.getElementById(id);
const LOG_LIMIT = 200;
const FIT_MARGIN = 40;

const graph = new LGraph();
const canvasEl = $('graph-canvas');
const canvas = new LGraphCanvas(canvasEl, graph);
canvas.show_info = false;
canvas.render_canvas_border = false;
let doc = {};
const redraw = () => canvas.setDirty(true, true);

function log(text, kind = 'info', href) {
  const li = document.createElement('li');
  li.className = kind;
  if (href) {
    const a = Object.assign(document.createElement('a'), { href, target: '_blank', textContent: text });
    li.append(a);
  } else li.textContent = text;
  $('log-list').prepend(li);
  while ($('log-list').children.length > LOG_LIMIT) $('log-list').lastChild.remove();
}

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function resize() {
  const r = canvasEl.parentElement.getBoundingClientRect();
  canvas.resize(r.width - $('side').offsetWidth, r.height);
}

/** Scales and scrolls the canvas so every node is visible. */
function fitView() {
  if (!graph._nodes.length) return;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of graph._nodes) {
    x0 = Math.min(x0, n.pos[0]); y0 = Math.min(y0, n.pos[1] - LG.NODE_TITLE_HEIGHT);
    x1 = Math.max(x1, n.pos[0] + n.size[0]); y1 = Math.max(y1, n.pos[1] + n.size[1]);
  }
  const scale = Math.min(1, (canvasEl.width - 2 * FIT_MARGIN) / (x1 - x0), (canvasEl.height - 2 * FIT_MARGIN) / (y1 - y0));
  canvas.ds.scale = scale;
  canvas.ds.offset = [FIT_MARGIN / scale - x0, FIT_MARGIN / scale - y0];
  redraw();
}

// --- undo / redo --------------------------------------------------------------------------------------------------
const undoHistory = createHistory({
  capture: () => JSON.stringify(toGraphFile(graph, doc)),
  restore: (text) => {
    // What runs left on the nodes (images, results) stays with the node ids; the view does not move.
    const states = new Map(graph._nodes.map((n) => [n.conesId, n.conesState]));
    doc = loadGraphFile(graph, JSON.parse(text), { subgraphs: subgraphUi.scope() });
    for (const n of graph._nodes) if (states.has(n.conesId)) n.conesState = states.get(n.conesId);
    redraw();
  },
});

// Subgraphs (collapse, open / back, save to library) and mask painting on image nodes.
const subgraphUi = createSubgraphUi({
  graph, canvas, history: undoHistory, status: (t, e) => status(t, e), log: (t, k) => log(t, k),
  current: () => toGraphFile(graph, doc),
  show: (file, opts) => { doc = loadGraphFile(graph, file, opts); resetNodeStates(graph); fitView(); },
  openAsEdit: (file, source) => openAsEdit(file, source, true),
});
const maskUi = createMaskUi({
  graph, status: (t, e) => status(t, e), log: (t, k) => log(t, k), redraw: () => redraw(),
  current: () => toGraphFile(graph, doc), openAsEdit: (file, source) => openAsEdit(file, source, true),
});

function openGraph(file, source) {
  try {
    subgraphUi.reset();
    doc = loadGraphFile(graph, file);
    resetNodeStates(graph);
    undoHistory.reset();
    fitView();
    status(`opened ${source}`);
    log(`opened ${source}: ${Object.keys(file.nodes).length} node(s)`);
  } catch (err) {
    status(err.message, true);
    log(`${source}: ${err.message}`, 'error');
  }
}

/**
 * Opens `file` as an edit of the current graph, so Ctrl+Z goes back to what was there (a run from the history).
 * Returns true when it opened.
 */
function openAsEdit(file, source, sameLevel = false) {
  try {
    undoHistory.check(); // an edit made a moment ago stays a step of its own
    const leftSubgraph = !sameLevel && subgraphUi.path.length > 0; // its undo steps belong to another level
    if (!sameLevel) subgraphUi.reset();
    doc = loadGraphFile(graph, file, { subgraphs: subgraphUi.scope() });
    resetNodeStates(graph);
    fitView();
    if (leftSubgraph) undoHistory.reset(); else undoHistory.check();
    status(`opened ${source}`);
    log(`opened ${source}: ${Object.keys(file.nodes).length} node(s)`);
    return true;
  } catch (err) {
    status(`${source}: ${err.message}`, true);
    log(`${source}: ${err.message}`, 'error');
    return false;
  }
}

/** Opens a dropped or picked file: a graph .json, or a PNG carrying its graph. */
async function openFile(file) {
  try {
    const buffer = await file.arrayBuffer();
    const isPng = file.type === 'image/png' || /\.png$/i.test(file.name);
    const graphFile = isPng ? await graphFromPng(buffer) : JSON.parse(new TextDecoder().decode(buffer));
    openGraph(graphFile, file.name);
  } catch (err) {
    status(`${file.name}: ${err.message}`, true);
    log(`${file.name}: ${err.message}`, 'error');
  }
}

function download() {
  const file = subgraphUi.rootFile();
  const name = `${String(file.meta?.title ?? 'graph').replace(/[^A-Za-z0-9._-]+/g, '-').toLowerCase()}.json`;
  const blob = new Blob([`${JSON.stringify(file, null, 2)}\n`], { type: 'application/json' });
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// --- runs -------------------------------------------------------------------------------------------------------
const myRuns = new Set();
const startedRuns = new Set(); // runs whose events already arrived: a fast run can finish before POST /api/runs returns
const endedRuns = new Set(); // runs whose terminal event arrived: it can come before the reply to POST /api/interrupt
const queuePanel = createQueuePanel($('queue-list'), log);
const ui = { redraw, log, status };
const gallery = createGallery($('gallery'), { log, status, openRun: (file, runId) => openAsEdit(file, `run ${runId.slice(0, 8)}`) });
const TERMINAL = new Set(['run_done', 'run_error', 'interrupted']);

/** Fetches the file pickers' lists again (GET /api/choices); a failure is shown, the old lists stay. */
async function refreshLists({ quiet = false } = {}) {
  try {
    await refreshChoices();
    if (!quiet) status('lists refreshed');
  } catch (err) {
    status(`lists: ${describeError(err)}`, true);
    log(`lists: ${describeError(err)}`, 'error');
  }
}

/**
 * The picker a file dropped at `event` is for: the first enabled image picker of the node under the pointer that
 * uploads (LoadImage's path, LayoutFromMask's image), or undefined when the drop is not on such a node.
 */
function dropTarget(event) {
  const [x, y] = canvas.convertEventToCanvasOffset(event);
  const node = graph.getNodeOnPos(x, y);
  const widget = node?.widgets?.find((w) => w.conesUpload && UPLOAD_FOLDERS[w.conesUpload]?.images && !w.disabled);
  return widget && { node, widget };
}

/** A file dropped on an image node is uploaded for it; anywhere else it is opened (a graph .json or PNG). */
async function dropFile(file, event) {
  const target = dropTarget(event);
  if (!target) return openFile(file);
  const { node, widget } = target;
  // Only images are for the node: a graph file dropped on it opens as anywhere else.
  if (!file.type.startsWith('image/') && !/\.(png|jpe?g|webp|gif|bmp)$/i.test(file.name)) return openFile(file);
  if (!isUploadableImage(widget.conesUpload, file)) {
    const text = `${file.name}: ${node.title} takes ${UPLOAD_FOLDERS[widget.conesUpload].accept.split(',').filter((a) => a.startsWith('.')).join(' ')} files`;
    status(text, true);
    log(text, 'error');
    return;
  }
  await uploadInto(widget, file, { log, status });
  redraw();
}

/** How many runs the Run button queues (the count beside it). */
function runCount() {
  const n = Math.round(Number($('run-count').value));
  return Number.isFinite(n) ? Math.min(RUN_COUNT_MAX, Math.max(1, n)) : 1;
}
const RUN_COUNT_MAX = 100;

/**
 * Queues the graph `count` times; after each queued run the seed controls change their values. Clicks are
 * chained, so a quick second click submits the values the first one's controls left.
 */
let runChain = Promise.resolve();
function run(count = runCount()) {
  runChain = runChain.then(async () => {
    resetNodeStates(graph);
    redraw();
    for (let i = 0; i < count; i++) {
      if (!(await queueOnce())) return;
      applyControls(graph);
      redraw();
    }
  });
  return runChain;
}

async function queueOnce() {
  try {
    const r = await api('/api/runs', { method: 'POST', json: { graph: subgraphUi.rootFile(), clientId } });
    myRuns.add(r.runId);
    if (!startedRuns.has(r.runId)) status(r.position ? `queued (${r.position} ahead)` : 'queued');
    return true;
  } catch (err) {
    if (err.code === 'E_GRAPH_INVALID') {
      for (const o of showIssues(graph, err.issues)) log(`${o.code}: ${o.message}`, 'error');
      for (const i of err.issues) log(`${i.code} [${i.nodeId ?? '-'}${i.input ? `.${i.input}` : ''}]: ${i.message}`, 'error');
    } else log(`${err.code ?? 'error'}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`, 'error');
    status(`not queued: ${err.code ?? err.message}`, true);
    redraw();
    return false;
  }
}

async function interrupt() {
  try {
    const r = await api('/api/interrupt', { method: 'POST', json: {} });
    if (!r.interrupted) status('nothing is running');
    else if (!endedRuns.has(r.interrupted)) status('interrupting…');
  } catch (err) {
    log(err.message, 'error');
  }
}

function onMessage(message) {
  // The terminal event is sent once the history entry is written: the gallery finds the run.
  if (TERMINAL.has(message.type)) {
    endedRuns.add(message.runId);
    if (gallery.open) gallery.refresh();
  }
  if (message.type === 'status') return void queuePanel.refresh();
  if (message.type === 'queued') {
    // Runs submitted with our clientId are ours; `queued` arrives before any of their events.
    if (message.clientId === clientId) myRuns.add(message.runId);
    return void queuePanel.refresh();
  }
  if (!message.runId || !myRuns.has(message.runId)) return;
  startedRuns.add(message.runId);
  if (applyRunEvent(graph, message, ui)) queuePanel.refresh();
}

// --- start --------------------------------------------------------------------------------------------------------
async function start() {
  LG.clearRegisteredTypes();
  const { nodes } = await api('/api/nodes');
  registerNodeTypes(nodes, {
    changed: () => redraw(), log, status, menu: (node) => subgraphUi.menu(node),
    extend: (node) => maskUi.extend(node), drawForeground: (node, ctx) => maskUi.drawForeground(node, ctx),
  });
  onChoicesChanged(redraw);
  await refreshLists({ quiet: true });
  graph.onNodeAdded = (node) => {
    if (node.conesId || !node.conesDesc) return;
    // A node added in the editor writes every input that has a value: named values survive later type changes.
    node.conesId = newNodeId(graph, node.conesDesc.type);
    node.conesDangling = {};
    for (const input of node.conesDesc.inputs) {
      if (!input.linkOnly && input.schema?.default !== undefined) node.conesExplicit.add(input.name);
    }
  };
  window.addEventListener('resize', resize);
  resize();
  graph.start();

  $('btn-new').onclick = () => openGraph({ format: 'cones-graph', version: 1, nodes: {} }, 'a new graph');
  $('btn-save').onclick = download;
  $('btn-open').onclick = () => $('file-input').click();
  $('file-input').onchange = (e) => { if (e.target.files[0]) openFile(e.target.files[0]); e.target.value = ''; };
  $('btn-run').onclick = () => run();
  $('btn-help').onclick = () => showShortcuts(true);
  $('btn-lists').onclick = () => refreshLists();
  $('btn-gallery').onclick = () => {
    $('btn-gallery').classList.toggle('active', !gallery.open);
    gallery.toggle();
  };
  installShortcuts({
    undo: () => { if (undoHistory.undo()) status('undone'); },
    redo: () => { if (undoHistory.redo()) status('redone'); },
    copy: () => { const n = copyNodes(graph, canvas, doc); if (n) status(`copied ${n} node(s)`); },
    paste: (withIncoming) => {
      const added = pasteNodes(graph, canvas, { at: [canvas.graph_mouse[0], canvas.graph_mouse[1]], withIncoming });
      if (added.length) { status(`pasted ${added.length} node(s)`); undoHistory.check(); }
    },
  });
  $('btn-interrupt').onclick = interrupt;
  $('btn-graphs').onclick = async () => {
    const menu = $('graphs-menu');
    if (!menu.hidden) return void (menu.hidden = true);
    const { graphs } = await api('/api/graphs');
    menu.replaceChildren(...graphs.map((example) => {
      const li = document.createElement('li');
      li.dataset.name = example.name;
      li.append(example.title, Object.assign(document.createElement('small'), { textContent: example.description }));
      li.onclick = async () => {
        menu.hidden = true;
        try {
          openGraph(await api(`/api/graphs/${encodeURIComponent(example.name)}`), `${example.name}.json`);
        } catch (err) {
          status(err.message, true);
        }
      };
      return li;
    }));
    menu.hidden = false;
  };
  document.addEventListener('pointerdown', (e) => { if (!e.target.closest?.('.menu')) $('graphs-menu').hidden = true; });
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run(); });

  // Dropping a file anywhere opens it; capture phase so litegraph's own drop handling never sees it.
  let dragDepth = 0;
  document.addEventListener('dragenter', (event) => {
    if (!event.dataTransfer?.types?.includes('Files')) return;
    dragDepth++;
    $('drop-hint').hidden = false;
  }, true);
  document.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; $('drop-hint').hidden = true; } }, true);
  document.addEventListener('dragover', (e) => { e.preventDefault(); }, true);
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    event.stopPropagation();
    dragDepth = 0;
    $('drop-hint').hidden = true;
    const file = event.dataTransfer?.files?.[0];
    if (file) dropFile(file, event);
  }, true);

  connectEvents(onMessage, (state) => {
    window.cones.connected = state === 'open';
    if (state === 'open') status('connected'); else status('disconnected: reconnecting…', true);
  });
  queuePanel.refresh();
  restoreDraft();
  setInterval(saveDraft, DRAFT_EVERY_MS);
}

// --- the working graph survives a page reload (ComfyUI users expect this) --------------------------------------------
const DRAFT_KEY = 'cones-graph:draft';
const DRAFT_EVERY_MS = 2000;
let lastDraft = '';

function saveDraft() {
  try {
    const text = JSON.stringify(subgraphUi.rootFile());
    if (text !== lastDraft) localStorage.setItem(DRAFT_KEY, (lastDraft = text));
  } catch { /* storage full or disabled: drafts are a convenience */ }
}

function restoreDraft() {
  const empty = { format: 'cones-graph', version: 1, nodes: {} };
  let draft;
  try { draft = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? 'null'); } catch { draft = null; }
  if (draft?.nodes && Object.keys(draft.nodes).length) openGraph(draft, 'the last session');
  else openGraph(empty, 'a new graph');
}

// The tests (and curious users in the console) drive the editor through this handle.
window.cones = {
  graph, canvas, history: undoHistory, gallery, refreshLists, connected: false,
  toGraphFile: () => toGraphFile(graph, doc),
  /** The whole file (an open subgraph's edits written into its `subgraphs` section). */
  rootFile: () => subgraphUi.rootFile(),
  subgraphs: subgraphUi,
  masks: maskUi,
  open: (file, source = 'script') => openGraph(file, source),
  node: (id) => graph._nodes.find((n) => n.conesId === id),
  /** Sets a literal input as if typed into its widget. */
  setInput: (id, name, value) => {
    const node = graph._nodes.find((n) => n.conesId === id);
    const w = node?.widgets?.find((x) => x.conesInput === name);
    if (!w) throw new Error(`no widget ${id}.${name}`);
    w.conesSet(value);
    node.conesExplicit.add(name);
    redraw();
  },
  ready: start().then(() => true, (err) => { status(`editor failed to start: ${err.message}`, true); throw err; }),
};
