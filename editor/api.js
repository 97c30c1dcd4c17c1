// REST + websocket client for the cones-graph server (server/README.md). The page forwards the `?token=` it was
// opened with, so the editor works against a server started with --token.

const token = new URLSearchParams(location.search).get('token');

/** An API failure carrying the server's error body: { code, message, hint?, issues? }. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = body?.error ?? { code: 'E_HTTP', message: `HTTP ${status}` };
    super(e.message);
    this.status = status;
    this.code = e.code;
    this.hint = e.hint;
    this.issues = e.issues ?? [];
  }
}

/** A URL the browser can load directly (images): adds the token as a query parameter when there is one. */
export function fileUrl(path) {
  if (!token) return path;
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** Calls the API; `json` is sent as JSON, `file` (a File or Blob) as the raw body, as /api/upload expects. */
export async function api(path, { method = 'GET', json, file } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  if (file !== undefined) headers['content-type'] = 'application/octet-stream';
  const res = await fetch(path, { method, headers, body: json !== undefined ? JSON.stringify(json) : file });
  const text = await res.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* not JSON: a served file */ }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const clientId = `editor-${Math.random().toString(36).slice(2, 10)}`;

/**
 * Keeps one websocket open (reconnecting after a drop) and hands every parsed message to `onMessage`.
 * Connecting with our clientId means runs we submit with it are never missed, even if they start at once.
 */
export function connectEvents(onMessage, onState) {
  let closed = false;
  let delay = 500;
  const open = () => {
    const q = new URLSearchParams({ clientId });
    if (token) q.set('token', token);
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?${q}`);
    ws.onopen = () => { delay = 500; onState('open'); };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      onMessage(m);
    };
    ws.onclose = () => {
      onState('closed');
      if (!closed) setTimeout(open, delay = Math.min(delay * 2, 8000));
    };
  };
  open();
  return { close: () => { closed = true; } };
}
