// The README's editor screenshot (docs/editor.png): graphs/two-subjects-layout.json opened in the editor at 1400x900,
// run on the embedded model, with the live preview on the sampler and the saved image on SaveImage. Every run checks
// that state and keeps a screenshot among the test artefacts; only CONES_WRITE_SCREENSHOT=1 writes docs/editor.png,
// so normal test runs leave the tree unchanged:
//
//   CONES_WRITE_SCREENSHOT=1 node --import tsx --test test/editor/readme-screenshot.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NO_BROWSER, REPO_ROOT, openExample, screenshot, useEditor, waitForStatus, type EditorSession } from './browser';

declare const window: any, requestAnimationFrame: any;

let s: EditorSession;
const skip = NO_BROWSER;
const DOCS_SHOT = join(REPO_ROOT, 'docs', 'editor.png');
const MAX_BYTES = 300 * 1024;

useEditor(skip, (session) => { s = session; });

test('the two-subject example after a run, at 1400x900 (docs/editor.png with CONES_WRITE_SCREENSHOT=1)', { skip }, async () => {
  const { page } = s;
  await page.setViewportSize({ width: 1400, height: 900 });
  await openExample(page, 'two-subjects-layout');
  await page.evaluate((folder) => (window as any).cones.setInput('model', 'folder', folder), 'models/shapes');
  await page.click('#btn-run');
  await waitForStatus(page, /^done in/, 90_000);
  await page.waitForFunction(() => ['sampler', 'save'].every((id) => {
    const images = (window as any).cones.node(id).conesState.images ?? [];
    return images.length > 0 && images.every((img: { naturalWidth: number }) => img.naturalWidth > 0);
  }), null, { timeout: 30_000 });
  // Fit the whole graph in view: zoom out a little and start at its top-left corner.
  await page.evaluate(() => {
    const { canvas } = (window as any).cones;
    canvas.ds.scale = 0.72;
    canvas.ds.offset = [10, 10];
    canvas.setDirty(true, true);
  });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const shot = await screenshot(page, 'readme-editor');
  const bytes = statSync(shot).size;
  assert.ok(bytes < MAX_BYTES, `the screenshot is ${bytes} bytes, over ${MAX_BYTES}`);
  if (process.env.CONES_WRITE_SCREENSHOT === '1') copyFileSync(shot, DOCS_SHOT);
});
