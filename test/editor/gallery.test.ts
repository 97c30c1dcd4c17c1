// The history gallery (issue 26), in a real browser against a real server running real (model-free) graphs: the
// panel lists recent runs with status, duration, time and thumbnails of their images; a click loads a run's graph as
// an undoable edit; × deletes one entry, "Clear all" every one (with their output files when ticked); the server's
// refusals are shown with their code; a run that ends while the panel is open appears in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '../../diffusion/image/encode';
import { NO_BROWSER, screenshot, useEditor, waitForStatus, type EditorSession } from './browser';
import { api as apiOf, runInEditor, saveGraph } from './gallery-helpers';

declare const window: any, document: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });

const api = (path: string, init: RequestInit = {}) => apiOf(s, path, init);
const run = (graph: unknown) => runInEditor(s, graph);

type Row = { runId: string; status: string; ms: string; when: string; thumbs: string[]; loaded: boolean[] };
const rows = (): Promise<Row[]> => s.page.$$eval('#gallery-list li.run', (lis: any[]) => lis.map((li) => ({
  runId: li.dataset.runId,
  status: li.querySelector('.run-status').textContent,
  ms: li.querySelector('.run-ms').textContent,
  when: li.querySelector('.run-when').textContent,
  thumbs: [...li.querySelectorAll('.run-thumbs img')].map((img: any) => new URL(img.src).pathname),
  loaded: [...li.querySelectorAll('.run-thumbs img')].map((img: any) => img.complete && img.naturalWidth > 0),
})));

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let first = '';
let second = '';
let text = '';

test('the History panel lists recent runs with status, duration, time and thumbnails of their images', { skip }, async () => {
  const { page } = s;
  const png = await encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(120) });
  const up = await api('/api/upload/inputs?filename=pic.png', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: png });
  assert.equal(up.status, 201);
  first = await run(saveGraph('first'));
  second = await run(saveGraph('second'));
  const hello = (await api('/api/graphs/hello-text')).body;
  text = await run(hello);

  assert.equal(await page.isVisible('#gallery'), false);
  await page.click('#btn-gallery');
  assert.equal(await page.isVisible('#gallery'), true);
  await until('three entries with loaded thumbnails', async () => {
    const r = await rows();
    return r.length === 3 && r.every((x) => x.loaded.every(Boolean));
  });
  const listed = await rows();
  assert.deepEqual(listed.map((r) => r.runId), [text, second, first], 'newest first');
  for (const r of listed) {
    assert.equal(r.status, 'ok');
    assert.match(r.ms, /^\d+\.\d s$/);
    assert.equal(r.when, 'just now');
  }
  assert.deepEqual(listed.map((r) => r.thumbs), [
    [], [`/api/files/outputs/${second}/second_00001.png`], [`/api/files/outputs/${first}/first_00001.png`],
  ], 'one thumbnail per saved image; a run without images has none');
  const width = await page.$eval('#gallery-list li.run .run-thumbs img', (img: any) => img.naturalWidth);
  assert.equal(width, 32, 'the thumbnail is the saved image (8 px at scale 4)');
  await screenshot(page, 'gallery');
});

test('a click on an entry loads that run\'s graph; Ctrl+Z goes back to the graph before', { skip }, async () => {
  const { page } = s;
  const before = await page.evaluate(() => (window as any).cones.toGraphFile());
  assert.deepEqual(Object.keys(before.nodes), ['subject', 'prompt', 'save'], 'hello-text is open');
  await page.click(`#gallery-list li[data-run-id="${first}"] .run-status`);
  await waitForStatus(page, new RegExp(`^opened run ${first.slice(0, 8)}$`));
  const submitted = (await api(`/api/history/${first}`)).body.graph;
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), submitted);
  assert.equal(submitted.nodes.save.inputs.prefix, 'first');
  await page.locator('#graph-canvas').focus();
  await page.keyboard.press('Control+z');
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), before, 'undo restores the graph that was open');
  await page.keyboard.press('Control+Shift+z');
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), submitted, 'redo loads the run again');
});

test('× deletes one entry, Clear all every one (with output files when ticked); refusals are shown with their code', { skip }, async () => {
  const { page } = s;
  const secondImage = `/api/files/outputs/${second}/second_00001.png`;
  const firstImage = `/api/files/outputs/${first}/first_00001.png`;
  await page.click(`#gallery-list li[data-run-id="${second}"] .run-delete`);
  await until('the entry to go', async () => !(await rows()).some((r) => r.runId === second));
  assert.equal((await api(`/api/history/${second}`)).status, 404, 'gone from the server');
  assert.equal((await api(secondImage)).status, 200, 'its image stays (the box was not ticked)');
  assert.deepEqual((await rows()).map((r) => r.runId), [text, first]);

  // A run that ends while the panel is open appears without a refresh.
  const more = await run(saveGraph('third'));
  await until('the new run in the panel', async () => (await rows())[0]?.runId === more);

  // An entry someone else deleted meanwhile: the server's E_RUN_NOT_FOUND is shown, and the list catches up.
  assert.equal((await api(`/api/history/${text}`, { method: 'DELETE' })).status, 200);
  await page.click(`#gallery-list li[data-run-id="${text}"] .run-delete`);
  const refused = await waitForStatus(page, /E_RUN_NOT_FOUND/);
  assert.match(refused, new RegExp(`^delete ${text.slice(0, 8)}: E_RUN_NOT_FOUND: No run ${text} in history\\.$`));
  assert.match((await page.textContent('#log-list li.error')) ?? '', /E_RUN_NOT_FOUND/);
  await until('the stale entry to go', async () => !(await rows()).some((r) => r.runId === text));

  // Clear all, with files: asks first (declined: nothing happens), then deletes every entry and their folders.
  await page.check('#gallery-files');
  page.once('dialog', (d) => void d.dismiss());
  await page.click('#gallery-clear');
  await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
  assert.equal((await api('/api/history')).body.runs.length, 2, 'declined: nothing deleted');
  page.once('dialog', (d) => void d.accept());
  await page.click('#gallery-clear');
  await waitForStatus(page, /^deleted 2 run\(s\), 2 output folder\(s\)$/);
  assert.deepEqual((await api('/api/history')).body.runs, []);
  assert.equal(await page.textContent('#gallery-list'), 'no runs yet');
  assert.equal((await api(firstImage)).status, 404, 'the cleared run\'s image is gone');
  assert.equal((await api(`/api/files/outputs/${more}/third_00001.png`)).status, 404);
  assert.equal((await api(secondImage)).status, 200, 'a run deleted earlier without its files keeps them');
  await screenshot(page, 'gallery-cleared');

  await page.click('#btn-gallery');
  assert.equal(await page.isVisible('#gallery'), false, 'the button hides the panel again');
});
