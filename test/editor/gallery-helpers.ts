// Shared by the gallery browser tests: a model-free graph that saves an image, a REST helper and "run in the editor".
import { waitForStatus, type EditorSession } from './browser';

declare const window: any;

/** LoadImage -> SaveImage with a prefix of its own: model-free, and each writes its image into outputs/<runId>/. */
export const saveGraph = (prefix: string) => ({
  format: 'cones-graph', version: 1,
  nodes: {
    img: { type: 'LoadImage', version: 1, inputs: { path: 'pic.png' } },
    save: { type: 'SaveImage', version: 1, inputs: { image: { from: 'img', output: 'image' }, prefix, scale: 4 } },
  },
  editor: { nodes: { img: { pos: [40, 40] }, save: { pos: [400, 40] } } },
});

/** fetch() against the session's server; the body parsed as JSON when it is JSON. */
export async function api(s: EditorSession, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.server.url}${path}`, init);
  const text = await res.text();
  try { return { status: res.status, body: JSON.parse(text) }; } catch { return { status: res.status, body: text }; }
}

/** Opens `graph` in the editor, clicks Run and waits for the run to end; returns its run id. */
export async function runInEditor(s: EditorSession, graph: unknown): Promise<string> {
  const { page } = s;
  await page.evaluate((g) => (window as any).cones.open(g), graph);
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/runs') && r.request().method() === 'POST'), page.click('#btn-run')]);
  const { runId } = await response.json();
  await waitForStatus(page, /^done in/);
  return runId;
}
