// The editor running the two-subjects layout graph on the embedded model: progress bars and a live preview on
// the sampler, the saved image on SaveImage, an interrupted second run, and the saved PNG dropped back onto the
// canvas restoring the graph that made it. Skipped (with the reason) only when Chromium is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, NO_BROWSER, openExample, useEditor, waitForStatus, type EditorSession } from './browser';

// Browser globals used inside page.evaluate callbacks (they run in the page); declared here, module-scoped, so the
// repo's Node-only type environment stays free of DOM types.
declare const window: any, document: any, DataTransfer: any, DragEvent: any, File: any, requestAnimationFrame: any;
type HTMLImageElement = { src: string; naturalWidth: number };


let s: EditorSession;
const skip = NO_BROWSER;
/** SaveImage scale 4 in graphs/two-subjects-layout.json times the model's 64-pixel images. */
const SAVED_WIDTH = 64 * 4;
let savedUrl = '';
let submitted: any;

useEditor(skip, (session) => { s = session; });

const nodeState = (id: string) => s.page.evaluate((nodeId) => {
  const st = (window as any).cones.node(nodeId).conesState;
  return { ...st, images: (st.images ?? []).map((img: HTMLImageElement) => ({ src: img.src, width: img.naturalWidth })) };
}, id);

/** Runs the open graph with a new seed (so the sampler re-runs) and 400 steps (long enough to interrupt), and waits
 *  until the sampler has made its first step. */
async function startLongRun(seed: number): Promise<void> {
  await s.page.evaluate((value) => {
    const { setInput } = (window as any).cones;
    setInput('seed', 'value', value);
    setInput('sampler', 'steps', 400);
  }, seed);
  await s.page.click('#btn-run');
  await s.page.waitForFunction(
    () => (window as any).cones.node('sampler').conesState.progress?.[0] >= 1, null, { timeout: 60_000, polling: 50 },
  );
}

test('a run shows progress, a live preview on the sampler and the saved image on SaveImage', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  await page.evaluate((folder) => (window as any).cones.setInput('model', 'folder', folder), 'models/shapes');
  submitted = await page.evaluate(() => (window as any).cones.toGraphFile());
  await page.click('#btn-run');
  // Progress events reach the node while the sampler runs (value below max), not only at the end.
  await page.waitForFunction(() => {
    const p = (window as any).cones.node('sampler').conesState.progress;
    return p && p[0] < p[1];
  }, null, { timeout: 60_000, polling: 50 });
  await waitForStatus(page, /^done in/, 90_000);
  const sampler = await nodeState('sampler');
  assert.deepEqual(sampler.progress, [25, 25]);
  assert.equal(sampler.images.length, 1, 'the last live preview stays on the sampler');
  assert.match(sampler.images[0].src, /^data:image\/png;base64,/);
  await page.waitForFunction(() => (window as any).cones.node('save').conesState.images?.[0]?.naturalWidth > 0);
  const save = await nodeState('save');
  assert.equal(save.images[0].width, SAVED_WIDTH);
  assert.match(save.images[0].src, /\/api\/files\/outputs\/[0-9a-f-]+\/shapes_00001\.png$/);
  savedUrl = save.images[0].src;
  await page.screenshot({ path: join(ARTIFACTS, 'editor-run.png') });
});

test('Interrupt stops a running run and the editor says so', { skip }, async () => {
  const { page } = s;
  await startLongRun(1);
  assert.match(await page.textContent('#queue-list') ?? '', /running/);
  await page.click('#btn-interrupt');
  assert.match(await waitForStatus(page, /^interrupted/), /interrupted at sampler/);
  const sampler = await nodeState('sampler');
  assert.equal(sampler.running, false);
  assert.ok(sampler.progress[0] < 400, `stopped early (${sampler.progress[0]}/400)`);
  await page.waitForFunction(() => document.getElementById('queue-list')!.textContent!.startsWith('idle'));
  await page.screenshot({ path: join(ARTIFACTS, 'editor-interrupted.png') });
});

test('an Interrupt reply that arrives after the run has ended leaves the status saying interrupted', { skip }, async () => {
  const { page } = s;
  // The terminal event and the POST's reply travel separately; on a loaded machine the event can come first (a CI
  // run on 2026-12-05 saw "interrupting…" written over "interrupted at sampler"). Holding the reply back until the
  // event has arrived makes that order certain here.
  let held = false;
  await page.route('**/api/interrupt', async (route) => {
    const reply = await route.fetch();
    await waitForStatus(page, /^interrupted/);
    held = true;
    await route.fulfill({ response: reply });
  });
  await startLongRun(2);
  const replied = page.waitForResponse('**/api/interrupt');
  await page.click('#btn-interrupt');
  await replied;
  await page.unroute('**/api/interrupt');
  assert.ok(held, 'the reply was held until the interrupted event had arrived');
  // The reply's handler runs in the page after the response: let two frames pass before reading the status.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  assert.match(await page.textContent('#status') ?? '', /^interrupted at sampler$/);
});

test('dropping the saved PNG on the canvas restores the graph that made it', { skip }, async () => {
  assert.ok(savedUrl, 'the first test saved an image');
  const { page } = s;
  await page.click('#btn-new');
  assert.equal(await page.evaluate(() => (window as any).cones.graph._nodes.length), 0);
  await page.evaluate(async (url) => {
    const bytes = await (await fetch(url)).arrayBuffer();
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'shapes_00001.png', { type: 'image/png' }));
    const target = document.getElementById('graph-canvas')!;
    for (const kind of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, savedUrl);
  await waitForStatus(page, /^opened shapes_00001\.png$/);
  const restored = await page.evaluate(() => (window as any).cones.toGraphFile());
  const types = (g: any) => Object.fromEntries(Object.entries(g.nodes).map(([id, n]: [string, any]) => [id, n.type]));
  assert.deepEqual(types(restored), types(submitted));
  assert.deepEqual(restored.nodes.layout.inputs.boxes, submitted.nodes.layout.inputs.boxes);
  assert.deepEqual(restored.editor.nodes, submitted.editor.nodes, 'node positions travel with the image');
});
