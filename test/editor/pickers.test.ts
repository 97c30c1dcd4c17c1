// File pickers and uploads (issue 26, the editor habits of ComfyUI users), in a real browser against a real server:
// inputs whose schema names a list (`x-choices`) are pickers fed by GET /api/choices; a value a shared graph brings
// that the list lacks stays shown, selectable and saved unchanged; "Refresh lists", the upload buttons (into the
// list's folder) and dropping an image on a LoadImage node refresh the lists and set the node; a PNG dropped on empty
// canvas still opens its graph; the server's refusals are shown with their code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '../../diffusion/image/encode';
import { NO_BROWSER, nodePoint, screenshot, useEditor, waitForStatus, type EditorSession } from './browser';

declare const window: any, document: any, DataTransfer: any, DragEvent: any, File: any, requestAnimationFrame: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });

const SHARED = 'shared/from-a-friend.png';
const HOSTILE = '<img src=x onerror="window.__xss=1">.png';
const GRAPH = {
  format: 'cones-graph', version: 1,
  nodes: {
    model: { type: 'LoadModel', version: 1, inputs: { folder: 'models/shapes' } },
    residual: { type: 'LoadResidual', version: 1, inputs: { path: 'models/shapes/residuals/holed_star.safetensors' } },
    img: { type: 'LoadImage', version: 1, inputs: { path: SHARED } },
    mask: { type: 'LayoutFromMask', version: 1, inputs: { image: HOSTILE } },
  },
  editor: { nodes: { model: { pos: [40, 40] }, residual: { pos: [40, 260] }, img: { pos: [420, 40] }, mask: { pos: [420, 300] } } },
};

const picture = (shade: number) => encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(shade) });

/** Uploads from outside the page (another user, a script): the page knows only after a refresh. */
async function serverUpload(folder: string, name: string, bytes: Buffer): Promise<any> {
  const res = await fetch(`${s.server.url}/api/upload/${folder}?filename=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes,
  });
  assert.equal(res.status, 201);
  return res.json();
}

const choices = async (): Promise<any> => (await fetch(`${s.server.url}/api/choices`)).json();

type Picker = { type: string; value: string; options: string[]; missing: boolean; upload?: string };
const picker = (id: string, input: string): Promise<Picker> => s.page.evaluate(({ id, input }) => {
  const w = (window as any).cones.node(id).widgets.find((x: any) => x.conesInput === input);
  return { type: w.type, value: w.value, options: w.conesOptions?.(), missing: w.conesMissing?.(), upload: w.conesUpload };
}, { id, input });

const frame = () => s.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** Page point of node `id`'s picker for `input` (or its upload button): `x` from the node's left edge, negative from its right. */
async function widgetPoint(id: string, pick: { input?: string; upload?: boolean }, x: number): Promise<{ x: number; y: number }> {
  await frame();
  const { y, width } = await s.page.evaluate(({ id, pick }) => {
    const n = (window as any).cones.node(id);
    const w = n.widgets.find((w: any) => (pick.upload ? w.type === 'button' && w.name.startsWith('upload') : w.conesInput === pick.input));
    return { y: w.last_y, width: n.size[0] };
  }, { id, pick });
  return nodePoint(s.page, id, x < 0 ? width + x : x, y + 10);
}
const pickerPoint = (id: string, input: string, x: number) => widgetPoint(id, { input }, x);

/** Waits out litegraph's double-click window (300 ms): a second click sooner is a double click, not a step. */
const pause = () => s.page.evaluate(() => new Promise((r) => setTimeout(r, 350)));

async function click(point: { x: number; y: number }): Promise<void> {
  await pause();
  await s.page.mouse.click(point.x, point.y);
}

test('file inputs are pickers of /api/choices; a value the list lacks stays shown, selectable and saved unchanged', { skip }, async () => {
  const { page } = s;
  await serverUpload('inputs', 'a.png', await picture(10));
  await serverUpload('inputs', 'b.png', await picture(20));
  await page.click('#btn-lists');
  await waitForStatus(page, /^lists refreshed$/);
  await page.evaluate((g) => (window as any).cones.open(g), GRAPH);
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), GRAPH, 'opening and saving changes nothing');

  const model = await picker('model', 'folder');
  assert.deepEqual([model.type, model.value, model.missing, model.upload], ['cones-picker', 'models/shapes', false, undefined]);
  assert.ok(model.options.includes('models/shapes'));
  const residual = await picker('residual', 'path');
  assert.deepEqual([residual.type, residual.missing, residual.upload], ['cones-picker', false, 'residuals']);
  assert.deepEqual(residual.options, (await choices()).residuals, 'the residual list is the server\'s');
  const img = await picker('img', 'path');
  assert.deepEqual([img.type, img.value, img.missing, img.upload], ['cones-picker', SHARED, true, 'inputs']);
  assert.deepEqual(img.options, [SHARED, 'a.png', 'b.png'], 'the missing value comes first, then the list');
  assert.deepEqual((await picker('mask', 'image')).upload, 'layouts');
  await screenshot(page, 'pickers-missing-value');

  // The arrows step through the list and back to the value it lacks.
  await click(await pickerPoint('img', 'path', -20));
  assert.equal((await picker('img', 'path')).value, 'a.png');
  await click(await pickerPoint('img', 'path', -20));
  assert.equal((await picker('img', 'path')).value, 'b.png');
  await click(await pickerPoint('img', 'path', 20));
  await click(await pickerPoint('img', 'path', 20));
  assert.equal((await picker('img', 'path')).value, SHARED, 'the shared value can be chosen again');
  assert.equal(await page.evaluate(() => (window as any).cones.toGraphFile().nodes.img.inputs.path), SHARED);

  // A click in the middle opens the list as a menu; the missing value is marked, a click on an entry chooses it.
  await click(await pickerPoint('img', 'path', 150));
  const entries = await page.$$eval('.cones-picker-menu .litemenu-entry', (els: any[]) => els.map((e) => e.textContent));
  assert.deepEqual(entries, [`${SHARED} (not in the list)`, 'a.png', 'b.png', '', 'Type a path…']);
  await page.click('.cones-picker-menu .litemenu-entry >> text="b.png"');
  assert.equal((await picker('img', 'path')).value, 'b.png');
  assert.deepEqual((await picker('img', 'path')).options, [SHARED, 'a.png', 'b.png'], 'the shared value stays on offer');
  assert.equal(await page.evaluate(() => (window as any).cones.toGraphFile().nodes.img.inputs.path), 'b.png');
  // "Type a path…" takes anything else.
  await click(await pickerPoint('img', 'path', 150));
  await page.click('.cones-picker-menu .cones-type-path');
  await page.locator('.graphdialog input').fill('sub/typed.png');
  await page.locator('.graphdialog input').press('Enter');
  assert.equal(await page.evaluate(() => (window as any).cones.toGraphFile().nodes.img.inputs.path), 'sub/typed.png');

  // A file name from a shared graph is shown as text in the menu, never run as markup.
  await click(await pickerPoint('mask', 'image', 150));
  const first = await page.$eval('.cones-picker-menu .litemenu-entry', (e: any) => ({ text: e.textContent, imgs: e.querySelectorAll('img').length }));
  assert.deepEqual(first, { text: `${HOSTILE} (not in the list)`, imgs: 0 });
  await page.mouse.click(5, 300); // a click on the canvas closes the menu
  assert.equal(await page.evaluate(() => (window as any).__xss), undefined);
  assert.equal(await page.evaluate(() => (window as any).cones.toGraphFile().nodes.mask.inputs.image), HOSTILE, 'saved unchanged');

  // Files added by someone else appear after "Refresh lists", not before.
  await serverUpload('inputs', 'c.png', await picture(30));
  assert.equal((await picker('img', 'path')).options.includes('c.png'), false);
  await page.click('#btn-lists');
  await waitForStatus(page, /^lists refreshed$/);
  assert.ok((await picker('img', 'path')).options.includes('c.png'));
});

test('upload buttons send the file to the list\'s folder, the picker takes the saved name; refusals show their code', { skip }, async () => {
  const { page } = s;
  await page.evaluate((g) => (window as any).cones.open(g), GRAPH);
  const upload = async (id: string, name: string, mimeType: string, buffer: Buffer): Promise<void> => {
    const button = await widgetPoint(id, { upload: true }, 150);
    await pause();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.mouse.click(button.x, button.y)]);
    await chooser.setFiles({ name, mimeType, buffer });
  };

  await upload('img', 'my photo (1).png', 'image/png', await picture(40));
  await waitForStatus(page, /^uploaded my photo -1-\.png$/);
  assert.equal((await picker('img', 'path')).value, 'my photo -1-.png', 'a name the server takes is made from the file\'s');
  assert.ok((await choices()).inputs.includes('my photo -1-.png'));
  assert.ok((await picker('img', 'path')).options.includes('my photo -1-.png'), 'the list was refreshed');
  await upload('img', 'my photo (1).png', 'image/png', await picture(41));
  await waitForStatus(page, /^uploaded my photo -1--1\.png$/);
  assert.equal((await picker('img', 'path')).value, 'my photo -1--1.png', 'an existing name is never overwritten');
  assert.equal(await page.evaluate(() => (window as any).cones.toGraphFile().nodes.img.inputs.path), 'my photo -1--1.png');

  // LayoutFromMask's image goes to the layouts folder.
  await upload('mask', 'regions.png', 'image/png', await picture(50));
  await waitForStatus(page, /^uploaded regions\.png$/);
  assert.equal((await picker('mask', 'image')).value, 'regions.png');
  assert.ok((await choices()).layouts.includes('regions.png'));
  assert.equal((await choices()).inputs.includes('regions.png'), false);

  // A file whose bytes are not what its name says: the server's code and message reach the user, the value stays.
  await upload('img', 'fake.png', 'image/png', Buffer.from('not a png at all'));
  const text = await waitForStatus(page, /refused/);
  assert.match(text, /^upload of fake\.png refused: E_UPLOAD_CONTENT: Expected the bytes of a \.png file/);
  assert.match((await page.textContent('#log-list li.error')) ?? '', /E_UPLOAD_CONTENT/);
  assert.equal((await picker('img', 'path')).value, 'my photo -1--1.png');
  await screenshot(page, 'pickers-upload-refused');
});

/** Drops a file at a page point (or at the canvas's top-left corner), the way a file dragged from the desktop arrives. */
async function dropFile(name: string, type: string, bytes: Buffer, at?: { x: number; y: number }): Promise<void> {
  await s.page.evaluate(({ name, type, b64, at }) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bin], name, { type }));
    const target = document.getElementById('graph-canvas')!;
    for (const kind of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: at?.x ?? 0, clientY: at?.y ?? 0 }));
    }
  }, { name, type, b64: bytes.toString('base64'), at });
}

test('an image dropped on a LoadImage node is uploaded for it; a PNG dropped on empty canvas still opens its graph', { skip }, async () => {
  const { page } = s;
  await page.evaluate((g) => (window as any).cones.open(g), GRAPH);
  await frame();
  const count = () => page.evaluate(() => (window as any).cones.graph._nodes.length);

  await dropFile('dropped.png', 'image/png', await picture(60), await nodePoint(page, 'img', 100, 10));
  await waitForStatus(page, /^uploaded dropped\.png$/);
  assert.equal((await picker('img', 'path')).value, 'dropped.png');
  assert.ok((await choices()).inputs.includes('dropped.png'));
  assert.equal(await count(), 4, 'the graph was not replaced');

  // A PNG carrying a graph, dropped on the node, is an image for the node too.
  const carried = { format: 'cones-graph', version: 1, nodes: { t: { type: 'Text', version: 1, inputs: { value: 'hi' } } } };
  const graphPng = await encodePng({ width: 8, height: 8, data: new Uint8Array(192).fill(70) }, { text: { 'cones-graph': JSON.stringify(carried) } });
  await dropFile('made-by-cones.png', 'image/png', graphPng, await nodePoint(page, 'img', 100, 10));
  await waitForStatus(page, /^uploaded made-by-cones\.png$/);
  assert.equal((await picker('img', 'path')).value, 'made-by-cones.png');
  assert.equal(await count(), 4);

  // A JPEG on LayoutFromMask (PNG only) is refused in the editor with what the node takes.
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
  await dropFile('photo.jpg', 'image/jpeg', jpeg, await nodePoint(page, 'mask', 100, 10));
  assert.match(await waitForStatus(page, /photo\.jpg/), /LayoutFromMask takes \.png files/);
  assert.equal((await picker('mask', 'image')).value, HOSTILE);

  // Dropped away from every node, the same PNG opens the graph it carries, as before.
  await dropFile('made-by-cones.png', 'image/png', graphPng);
  await waitForStatus(page, /^opened made-by-cones\.png$/);
  const opened = await page.evaluate(() => (window as any).cones.toGraphFile());
  assert.deepEqual(opened.nodes, carried.nodes);
  // A graph file dropped on a LoadImage node is not an image for it: it opens, as anywhere else.
  await page.evaluate((g) => (window as any).cones.open(g), GRAPH);
  await frame();
  await dropFile('graph.json', 'application/json', Buffer.from(JSON.stringify(carried)), await nodePoint(page, 'img', 100, 10));
  await waitForStatus(page, /^opened graph\.json$/);
  assert.deepEqual((await page.evaluate(() => (window as any).cones.toGraphFile())).nodes, carried.nodes);
  await screenshot(page, 'pickers-drop');
});

test('a picker lists the shipped residuals and the run uses the one picked', { skip }, async () => {
  const { page } = s;
  const { readFile } = await import('node:fs/promises');
  const { REPO_ROOT } = await import('./browser');
  const graph = JSON.parse(await readFile(`${REPO_ROOT}/graphs/custom-subject-layout.json`, 'utf8'));
  graph.nodes.sampler.inputs.steps = 4; // quick: the point is which file the run reads
  await page.evaluate((g) => (window as any).cones.open(g), graph);
  const shipped = 'models/shapes/residuals/holed_star.safetensors';
  assert.ok((await picker('residual', 'path')).options.includes(shipped), 'the shipped residuals are listed');
  await click(await pickerPoint('residual', 'path', 150));
  await page.click(`.cones-picker-menu .litemenu-entry >> text="${shipped}"`);
  assert.equal((await picker('residual', 'path')).value, shipped);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/runs') && r.request().method() === 'POST'), page.click('#btn-run'),
  ]);
  const { runId } = await response.json();
  await waitForStatus(page, /^done in/, 60_000);
  const entry = await (await fetch(`${s.server.url}/api/history/${runId}`)).json() as any;
  assert.equal(entry.status, 'ok', JSON.stringify(entry.error ?? entry.status));
  assert.equal(entry.graph.nodes.residual.inputs.path, shipped, 'the run read the picked file');
});
