// The history gallery (top bar "History"): the recent runs from GET /api/history with their status, duration, when
// they ended and thumbnails of their images; a click loads that run's graph (GET /api/history/:runId), × deletes one
// entry and "Clear all" every finished one (DELETE /api/history[/:runId], `?files=1` also deletes their output
// folders). "Re-run" queues a run's graph again as it was (POST /api/runs) without touching the canvas, and a click on a
// thumbnail opens the image full size in a new tab. Everything the server sends is shown as text or as an image URL,
// never as markup.
import { api, fileUrl } from './api.js';
import { describeError } from './upload.js';

export const GALLERY_LIMIT = 50;
const THUMBS_PER_RUN = 4;
const IMAGE_URL = /^\/api\/files\/outputs\/[^?#]+\.(png|jpe?g|webp)$/i;
const RERUN_POLL_MS = [300, 500, 1000, 2000, 5000]; // then every 5 s: how often a re-run's history entry is looked for
const RERUN_POLLS = 400; // about half an hour; a run still queued after that is listed by the next refresh

/** Image URLs of a history entry: its nodes' `images` first (what SaveImage shows), then image files. */
export function entryImages(entry) {
  const urls = [];
  for (const ui of Object.values(entry?.ui ?? {})) {
    for (const img of Array.isArray(ui?.images) ? ui.images : []) if (typeof img?.path === 'string') urls.push(img.path);
  }
  for (const f of Array.isArray(entry?.files) ? entry.files : []) if (typeof f === 'string') urls.push(f);
  return [...new Set(urls.filter((u) => IMAGE_URL.test(u)))];
}

/** "1.2 s", "3 min 4 s": engine time when the run reports it, else started -> finished. */
export function runDuration(entry) {
  let ms = typeof entry.ms === 'number' ? entry.ms : Date.parse(entry.finishedAt) - Date.parse(entry.startedAt ?? entry.submittedAt);
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  ms = Math.round(ms / 1000);
  return `${Math.floor(ms / 60)} min ${ms % 60} s`;
}

/** "just now", "5 min ago", "3 h ago", else the local date and time. */
export function runWhen(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleString();
}

const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

/**
 * `root` holds the panel's list (#gallery-list), its Clear all button and its "also delete files" box.
 * `ui` = { log, status, openRun(graph, runId) }. Returns { refresh, toggle, get open }.
 */
export function createGallery(root, ui) {
  const list = root.querySelector('#gallery-list');
  const withFiles = root.querySelector('#gallery-files');
  const query = () => (withFiles.checked ? '?files=1' : '');
  let refreshing = Promise.resolve();

  const fail = (what, err) => {
    const text = `${what}: ${describeError(err)}`;
    ui.log(text, 'error');
    ui.status(text, true);
  };

  function row(entry) {
    const li = el('li', { className: `run ${entry.status}` });
    li.dataset.runId = entry.runId;
    const head = el('div', { className: 'run-head' },
      el('span', { className: 'run-status', textContent: entry.status }),
      el('span', { className: 'run-ms', textContent: runDuration(entry) }),
      el('span', { className: 'run-when', textContent: runWhen(entry.finishedAt), title: String(entry.finishedAt ?? '') }));
    const del = el('button', { className: 'run-delete', textContent: '×', title: 'Delete this entry' });
    del.onclick = (e) => {
      e.stopPropagation();
      remove(entry.runId);
    };
    const again = el('button', { className: 'run-rerun', textContent: 'Re-run', title: 'Queue this run\'s graph again, as it was (the canvas is not changed)' });
    again.onclick = (e) => {
      e.stopPropagation();
      rerun(entry.runId);
    };
    head.append(again, del);
    li.append(head);
    if (entry.error?.code) li.append(el('div', { className: 'run-error', textContent: `${entry.error.code}${entry.error.nodeId ? ` at ${entry.error.nodeId}` : ''}` }));
    const images = entryImages(entry);
    if (images.length) {
      const thumbs = el('div', { className: 'run-thumbs' });
      for (const url of images.slice(0, THUMBS_PER_RUN)) {
        const img = el('img', { src: fileUrl(url), alt: url.split('/').pop(), loading: 'lazy' });
        img.onerror = () => img.classList.add('missing'); // its files were deleted
        const full = el('a', { className: 'run-full', href: fileUrl(url), target: '_blank', rel: 'noopener', title: 'View full size' }, img);
        full.onclick = (e) => e.stopPropagation(); // the image, not the graph
        thumbs.append(full);
      }
      if (images.length > THUMBS_PER_RUN) thumbs.append(el('span', { textContent: `+${images.length - THUMBS_PER_RUN}` }));
      li.append(thumbs);
    }
    li.title = 'Open the graph of this run';
    li.onclick = () => load(entry.runId);
    return li;
  }

  async function load(runId) {
    try {
      const entry = await api(`/api/history/${encodeURIComponent(runId)}`);
      ui.openRun(entry.graph, runId);
    } catch (err) {
      fail(`run ${runId.slice(0, 8)}`, err);
    }
  }

  /** GET the run's graph, POST it as a new run (no clientId: its events do not draw on the canvas), list it when done. */
  async function rerun(runId) {
    let queued;
    try {
      const entry = await api(`/api/history/${encodeURIComponent(runId)}`);
      queued = await api('/api/runs', { method: 'POST', json: { graph: entry.graph } });
      ui.status(`re-running run ${runId.slice(0, 8)} as ${queued.runId.slice(0, 8)}`);
      ui.log(`re-run of ${runId.slice(0, 8)} queued as ${queued.runId.slice(0, 8)}`, 'ok');
    } catch (err) {
      fail(`re-run ${runId.slice(0, 8)}`, err);
      return;
    }
    for (let i = 0; i < RERUN_POLLS; i++) { // its history entry exists once it has ended
      await new Promise((r) => setTimeout(r, RERUN_POLL_MS[Math.min(i, RERUN_POLL_MS.length - 1)]));
      try {
        await api(`/api/history/${encodeURIComponent(queued.runId)}`);
        break;
      } catch (err) {
        if (err.status !== 404) return fail(`re-run ${queued.runId.slice(0, 8)}`, err);
      }
    }
    await refresh();
  }

  async function remove(runId) {
    try {
      await api(`/api/history/${encodeURIComponent(runId)}${query()}`, { method: 'DELETE' });
      ui.status(`deleted run ${runId.slice(0, 8)}`);
    } catch (err) {
      fail(`delete ${runId.slice(0, 8)}`, err);
    }
    await refresh();
  }

  async function clearAll() {
    if (!confirm(`Delete every finished run from the history${withFiles.checked ? ', with its output files' : ''}?`)) return;
    try {
      const r = await api(`/api/history${query()}`, { method: 'DELETE' });
      ui.status(`deleted ${r.deleted} run(s)${withFiles.checked ? `, ${r.filesRemoved} output folder(s)` : ''}`);
    } catch (err) {
      fail('clear history', err);
    }
    await refresh();
  }

  function refresh() {
    refreshing = refreshing.then(async () => {
      try {
        const { runs } = await api(`/api/history?limit=${GALLERY_LIMIT}`);
        list.replaceChildren(...(runs.length ? runs.map(row) : [el('li', { className: 'empty', textContent: 'no runs yet' })]));
      } catch (err) {
        fail('history', err);
      }
    });
    return refreshing;
  }

  root.querySelector('#gallery-clear').onclick = clearAll;
  root.querySelector('#gallery-refresh').onclick = () => refresh();
  return {
    refresh,
    get open() { return !root.hidden; },
    toggle() {
      root.hidden = !root.hidden;
      return root.hidden ? Promise.resolve() : refresh();
    },
  };
}
