// Run events from the websocket, painted onto the nodes of the graph that was submitted from this page
// (server/README.md, "Websocket"): progress bars, live previews, output images, results and errors.
import { fileUrl } from './api.js';
import { setImages } from './node-state.js';

/**
 * The node an event or issue about `nodeId` is shown on: the node itself, else the subgraph node it runs inside
 * (inner nodes run as INSTANCE/INNER: `pair/prompt` is shown on `pair`).
 */
export function nodeFor(graph, nodeId) {
  if (typeof nodeId !== 'string') return undefined;
  for (let id = nodeId; ; id = id.slice(0, id.lastIndexOf('/'))) {
    const node = graph._nodes.find((n) => n.conesId === id);
    if (node || !id.includes('/')) return node;
  }
}

/** Clears what the previous run left on every node; images stay until the new run replaces them. */
export function resetNodeStates(graph) {
  for (const node of graph._nodes) node.conesState = { images: node.conesState?.images };
}

/** Marks validation issues (E_GRAPH_INVALID) on their nodes; returns the issues no node could take. */
export function showIssues(graph, issues) {
  const orphans = [];
  for (const issue of issues) {
    const node = nodeFor(graph, issue.nodeId);
    if (!node) { orphans.push(issue); continue; }
    const inside = node.conesId !== issue.nodeId ? `[${issue.nodeId}] ` : '';
    const line = `${inside}${issue.code}${issue.input ? ` (${issue.input})` : ''}: ${issue.message}`;
    node.conesState.error = node.conesState.error ? `${node.conesState.error}\n${line}` : line;
  }
  return orphans;
}

/**
 * Applies one run event to the graph's nodes. `ui` gives access to the canvas redraw, the log and the status line.
 * Returns true when the event ended the run.
 */
export function applyRunEvent(graph, event, ui) {
  const node = event.nodeId === undefined ? undefined : nodeFor(graph, event.nodeId);
  const s = node?.conesState;
  switch (event.type) {
    case 'run_start':
      ui.status(`running: ${event.nodes ?? '?'} node(s)`);
      break;
    case 'node_cached':
      if (s) s.cached = true;
      break;
    case 'node_start':
      if (s) Object.assign(s, { running: true, cached: false, error: undefined });
      ui.status(`running ${event.nodeId}`);
      break;
    case 'progress':
      if (s) s.progress = [event.value, event.max];
      ui.status(`${event.nodeId}: ${event.value}/${event.max}`);
      break;
    case 'preview':
      if (node) setImages(node, [`data:${event.mime};base64,${event.data}`], ui.redraw);
      break;
    case 'node_done': {
      if (!s) break;
      s.running = false;
      if (s.progress) s.progress = [s.progress[1], s.progress[1]];
      const ui_ = event.ui ?? {};
      if (typeof ui_.text === 'string') s.text = ui_.text;
      const images = (ui_.images ?? []).map((img) => fileUrl(img.path));
      if (images.length) setImages(node, images, ui.redraw);
      else if (!ui_.preview && !s.images?.length) {
        const files = (ui_.files ?? []).map((f) => f.split('/').pop());
        if (files.length && !s.text) s.text = `saved ${files.join(', ')}`;
      }
      for (const url of ui_.files ?? []) ui.log(`${event.nodeId}: saved ${url.split('/').pop()}`, 'ok', fileUrl(url));
      break;
    }
    case 'run_done': {
      const count = (v) => (Array.isArray(v) ? v.length : v ?? 0);
      ui.status(`done in ${(event.ms / 1000).toFixed(1)} s: ${count(event.executed)} ran, ${count(event.cached)} cached`);
      ui.log(`run finished: ${count(event.executed)} ran, ${count(event.cached)} cached`, 'ok');
      break;
    }
    case 'run_error': {
      for (const n of graph._nodes) if (n.conesState) n.conesState.running = false;
      if (s) s.error = `${event.code}: ${event.message}`;
      const orphans = showIssues(graph, event.issues ?? []);
      ui.status(`failed: ${event.code}${event.nodeId ? ` at ${event.nodeId}` : ''}`, true);
      ui.log(`${event.code}${event.nodeId ? ` [${event.nodeId}]` : ''}: ${event.message}`, 'error');
      for (const o of orphans) ui.log(`${o.code}: ${o.message}`, 'error');
      break;
    }
    case 'interrupted':
      for (const n of graph._nodes) if (n.conesState) n.conesState.running = false;
      if (s) s.text = 'interrupted here';
      ui.status(`interrupted${event.nodeId ? ` at ${event.nodeId}` : ''}`);
      ui.log(`run interrupted${event.reason ? ` (${event.reason})` : ''}`, 'error');
      break;
    default:
      return false;
  }
  ui.redraw();
  return event.type === 'run_done' || event.type === 'run_error' || event.type === 'interrupted';
}
