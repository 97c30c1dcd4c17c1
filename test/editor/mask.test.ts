// Mask painting (issue 27), in a real browser against a real server: LoadImage shows a thumbnail of its file; its
// "Paint mask…" button opens the painter over the picture; the painted mask is uploaded as a PNG (white = repaint)
// into the inputs folder and a LoadImage + ImageToMask pair feeding the inpaint graph's mask inputs is added; the
// inpaint graph then runs to the end with it. Painting again through ImageToMask's button updates the same pair.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRgbImage } from '../../diffusion/image/decode';
import { NO_BROWSER, nodePoint, openExample, REPO_ROOT, screenshot, useEditor, waitForStatus, type EditorSession } from './browser';

declare const window: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });

const rootFile = () => s.page.evaluate(() => (window as any).cones.rootFile());
const frame = () => s.page.evaluate(() => new Promise((r) => (window as any).requestAnimationFrame(() => (window as any).requestAnimationFrame(r))));

async function fetchBytes(path: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(`${s.server.url}${path}`);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** litegraph's double-click window (clicks on a node closer than 300 ms), with a margin. */
const DOUBLE_CLICK_MS = 400;

/**
 * Clicks the "Paint mask…" button of node `id`. litegraph reads two clicks on a node less than 300 ms apart as a double
 * click and opens the node's panel over the canvas, so the click waits that long after the previous one.
 */
async function clickPaint(id: string): Promise<void> {
  await s.page.waitForTimeout(DOUBLE_CLICK_MS);
  await frame();
  const y = await s.page.evaluate((nodeId) => (window as any).cones.node(nodeId).widgets.find((w: any) => w.name === 'Paint mask…').last_y, id);
  const p = await nodePoint(s.page, id, 100, y + 10);
  await s.page.mouse.click(p.x, p.y);
  await s.page.waitForSelector('#mask-painter .mask-layer');
}

/** Drags the brush across the painter, in fractions of the picture. */
async function stroke(from: [number, number], to: [number, number]): Promise<void> {
  const box = (await s.page.locator('#mask-painter .mask-layer').boundingBox())!;
  await s.page.mouse.move(box.x + from[0] * box.width, box.y + from[1] * box.height);
  await s.page.mouse.down();
  await s.page.mouse.move(box.x + to[0] * box.width, box.y + to[1] * box.height, { steps: 12 });
  await s.page.mouse.up();
}

/** The mask's grey level at a point given in fractions of the picture. */
const at = (img: { width: number; height: number; data: Uint8Array }, x: number, y: number): number =>
  img.data[(Math.floor(y * img.height) * img.width + Math.floor(x * img.width)) * 3];

test('paint a mask on LoadImage, save it, and run the inpaint graph with it', { skip }, async () => {
  const { page } = s;
  const picture = readFileSync(join(REPO_ROOT, 'graphs/inputs/two-subjects.png'));
  const up = await fetch(`${s.server.url}/api/upload/inputs?filename=pic.png`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: picture });
  assert.equal(up.status, 201);
  await page.evaluate(() => (window as any).cones.refreshLists());
  await openExample(page, 'inpaint-layout');
  // The example's picture is not in the inputs folder: the painter refuses with a message saying what to do.
  await frame();
  const y = await page.evaluate(() => (window as any).cones.node('image').widgets.find((w: any) => w.name === 'Paint mask…').last_y);
  const p = await nodePoint(page, 'image', 100, y + 10);
  await page.mouse.click(p.x, p.y);
  await waitForStatus(page, /^mask of image: .*Paint mask works on images in the server's inputs folder/, 10_000);
  assert.equal(await page.isVisible('#mask-painter'), false);
  await page.evaluate(() => {
    const { setInput } = (window as any).cones;
    setInput('image', 'path', 'pic.png');
    setInput('sampler', 'steps', 6);
  });
  // The thumbnail of the chosen file (the served URL) is drawn in the node.
  await page.waitForFunction(() => (window as any).cones.node('image').widgets.find((w: any) => w.type === 'cones-preview').conesLoaded, null, { timeout: 10_000 });

  await clickPaint('image');
  await page.fill('#mask-size', '60');
  // Paint the right half (the square's box), then erase a spot in it; the left half stays black (kept).
  for (const y of [0.3, 0.45, 0.6, 0.72]) await stroke([0.55, y], [0.95, y]);
  await page.check('#mask-eraser');
  await stroke([0.9, 0.45], [0.9, 0.46]);
  await screenshot(page, 'mask-painter');
  await page.click('#mask-save');
  await waitForStatus(page, /^mask saved: pic-mask\.png$/);
  assert.equal(await page.isVisible('#mask-painter'), false, 'the painter closes');

  const saved = await fetchBytes('/api/files/inputs/pic-mask.png');
  assert.equal(saved.status, 200, 'uploaded into the inputs folder');
  const mask = await readRgbImage(saved.bytes);
  assert.deepEqual([mask.width, mask.height], [256, 256], 'painted at the picture\'s size');
  assert.equal(at(mask, 0.7, 0.45), 255, 'painted: white (repaint)');
  assert.equal(at(mask, 0.2, 0.5), 0, 'not painted: black (keep)');
  assert.equal(at(mask, 0.9, 0.455), 0, 'erased: black again');

  const file = await rootFile();
  assert.deepEqual(file.nodes.image_mask_image, { type: 'LoadImage', version: 1, inputs: { path: 'pic-mask.png' } });
  assert.deepEqual(file.nodes.image_mask.inputs.image, { from: 'image_mask_image', output: 'image' });
  assert.deepEqual(file.nodes.sampler.inputs.mask, { from: 'image_mask', output: 'mask' }, 'the sampler uses the painted mask');
  assert.deepEqual(file.nodes.composite.inputs.mask, { from: 'image_mask', output: 'mask' }, 'and so does the composite');

  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/runs') && r.request().method() === 'POST'),
    page.click('#btn-run'),
  ]);
  const { runId } = await response.json();
  await waitForStatus(page, /^done in/, 90_000);
  const out = await fetchBytes(`/api/files/outputs/${runId}/inpaint_00001.png`);
  assert.equal(out.status, 200, 'the inpaint graph ran to the end and saved its image');

  // Ctrl+Z takes the whole mask edit back (pair and rewiring) in one step.
  await page.locator('#graph-canvas').focus();
  await page.keyboard.press('Control+z');
  const undone = await rootFile();
  assert.equal(undone.nodes.image_mask, undefined);
  assert.deepEqual(undone.nodes.sampler.inputs.mask, { from: 'mask', output: 'mask' });
  await page.keyboard.press('Control+Shift+z');

  // Painting again from ImageToMask: the painter starts from the saved mask; Invert, then save: the same pair reads the new file.
  await clickPaint('image_mask');
  await page.click('#mask-invert');
  await page.click('#mask-save');
  await waitForStatus(page, /^mask saved: pic-mask-1\.png$/);
  const again = await rootFile();
  assert.equal(again.nodes.image_mask_image.inputs.path, 'pic-mask-1.png');
  assert.equal(Object.keys(again.nodes).filter((id) => again.nodes[id].type === 'ImageToMask').length, 1, 'no second pair');
  const inverted = await readRgbImage((await fetchBytes('/api/files/inputs/pic-mask-1.png')).bytes);
  assert.equal(at(inverted, 0.7, 0.45), 0);
  assert.equal(at(inverted, 0.2, 0.5), 255);
});
