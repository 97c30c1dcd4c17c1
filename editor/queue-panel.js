// The side panel's queue: the running run and the pending ones (GET /api/queue), refreshed on every websocket
// status message; a pending run can be removed and the running one interrupted.
import { api } from './api.js';

export function createQueuePanel(listEl, log) {
  async function refresh() {
    let q;
    try {
      q = await api('/api/queue');
    } catch (err) {
      log(`queue: ${err.message}`, 'error');
      return;
    }
    const rows = [];
    const row = (run, label, action) => {
      const li = document.createElement('li');
      li.className = label;
      li.textContent = `${label} ${run.runId.slice(0, 8)}`;
      li.dataset.runId = run.runId;
      const b = document.createElement('button');
      b.textContent = '×';
      b.title = label === 'running' ? 'Interrupt' : 'Remove from the queue';
      b.onclick = () => action().catch((err) => log(err.message, 'error'));
      li.append(b);
      rows.push(li);
    };
    if (q.running) row(q.running, 'running', () => api('/api/interrupt', { method: 'POST', json: { runId: q.running.runId } }));
    for (const p of q.pending) row(p, 'pending', () => api(`/api/queue/${p.runId}`, { method: 'DELETE' }));
    if (!rows.length) {
      const li = document.createElement('li');
      li.textContent = 'idle';
      rows.push(li);
    }
    listEl.replaceChildren(...rows);
  }
  return { refresh };
}
