// The history gallery's Re-run and full-size view (issue 26), in a real browser against a real server running real
// (model-free) graphs: Re-run queues an entry's graph again as it was, without touching the canvas, and the new run
// appears as a fourth entry with the same graph; a click on a thumbnail opens the served image in a new tab; a click
// on the entry still loads its graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '../../diffusion/image/encode';
import { NO_BROWSER, screenshot, useEditor, waitForStatus, type EditorSession } from './browser';
import { api as apiOf, runInEditor, saveGraph } from './gallery-helpers';

declare const window: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });

const api = (path: string, init: RequestInit = {}) => apiOf(s, path, init);
const run = (graph: unknown) => runInEditor(s, graph);

const runIds = (): Promise<string[]> => s.page.$$eval('#gallery-list li.run', (lis: any[]) => lis.map((li) => li.dataset.runId));

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('Re-run queues an entry\'s graph as it was, without touching the canvas; it appears as a fourth entry', { skip }, async () => {
  const { page } = s;
  const png = await encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(90) });
  const up = await api('/api/upload/inputs?filename=pic.png', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: png });
  assert.equal(up.status, 201);
  const first = await run(saveGraph('first'));
  const second = await run(saveGraph('second'));
  const third = await run((await api('/api/graphs/hello-text')).body);
  await page.click('#btn-gallery');
  await until('three entries', async () => (await runIds()).length === 3);
  assert.deepEqual(await runIds(), [third, second, first]);

  const canvasBefore = await page.evaluate(() => (window as any).cones.toGraphFile());
  const [posted] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/runs') && r.request().method() === 'POST'),
    page.click(`#gallery-list li[data-run-id="${first}"] .run-rerun`),
  ]);
  const { runId: fourth } = await posted.json();
  assert.ok(fourth && fourth !== first, 'a new run');
  await until('the fourth entry', async () => (await runIds())[0] === fourth);
  assert.deepEqual(await runIds(), [fourth, third, second, first]);
  const original = (await api(`/api/history/${first}`)).body;
  const again = (await api(`/api/history/${fourth}`)).body;
  assert.equal(again.status, 'ok');
  assert.deepEqual(again.graph, original.graph, 'the same graph');
  // The engine caches by graph, as for Run: an unchanged graph is answered from the cache, with the first run's file.
  assert.deepEqual([...new Set(again.files)], [...new Set(original.files)]);
  assert.deepEqual(again.cached.sort(), ['img', 'save']);
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), canvasBefore, 'the canvas is untouched');
  assert.match((await page.textContent('#status')) ?? '', new RegExp(`^re-running run ${first.slice(0, 8)} as ${fourth.slice(0, 8)}$`));
  await screenshot(page, 'gallery-rerun');
});

test('a click on a thumbnail opens the image full size; a click on the entry still loads its graph', { skip }, async () => {
  const { page } = s;
  const [fourth] = await runIds();
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.click(`#gallery-list li[data-run-id="${fourth}"] .run-thumbs img`),
  ]);
  await popup.waitForLoadState();
  assert.equal(new URL(popup.url()).pathname, (await api(`/api/history/${fourth}`)).body.files[0]);
  assert.match(new URL(popup.url()).pathname, /^\/api\/files\/outputs\/[0-9a-f-]+\/first_00001\.png$/);
  assert.deepEqual(await popup.evaluate(() => [(window as any).document.images[0]?.naturalWidth]), [32], 'the served image, 8 px at scale 4');
  await popup.close();
  assert.notEqual(await page.textContent('#status'), `opened run ${fourth.slice(0, 8)}`, 'the thumbnail did not load the graph');

  await page.click(`#gallery-list li[data-run-id="${fourth}"] .run-status`);
  await waitForStatus(page, new RegExp(`^opened run ${fourth.slice(0, 8)}$`));
  const graph = (await api(`/api/history/${fourth}`)).body.graph;
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), graph);
  assert.equal(graph.nodes.save.inputs.prefix, 'first');
});
