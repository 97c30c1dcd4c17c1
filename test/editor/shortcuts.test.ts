// The keyboard shortcut overlay (`?`, Escape closes it) and the path widgets' layout: a LoadResidual path never
// draws over its label (issue 26: "the LoadResidual label overlaps its value"); it is a file picker now
// (test/editor/pickers.test.ts), drawn with the same layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_BROWSER, nodePoint, openExample, screenshot, useEditor, type EditorSession } from './browser';

declare const window: any, document: any, requestAnimationFrame: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });

const overlayShown = () => s.page.evaluate(() => {
  const el = document.getElementById('shortcuts');
  return !!el && !el.hidden && el.getBoundingClientRect().width > 0;
});

test('? opens the keyboard shortcut overlay, Escape closes it; ? typed in a text field does not', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'hello-text');
  await page.locator('#graph-canvas').focus();
  assert.equal(await overlayShown(), false);
  await page.keyboard.press('?');
  assert.equal(await overlayShown(), true);
  const text = (await page.textContent('#shortcuts'))!;
  for (const entry of ['Undo', 'Redo', 'Ctrl+Z', 'Ctrl+Shift+Z', 'Ctrl+Y', 'Ctrl+C', 'Ctrl+V', 'Ctrl+Shift+V', 'Delete', 'Ctrl+Enter', 'Queue']) {
    assert.ok(text.includes(entry), `the overlay lists ${entry}`);
  }
  await screenshot(page, 'shortcuts-overlay');
  await page.keyboard.press('Escape');
  assert.equal(await overlayShown(), false);

  await page.click('#btn-help');
  assert.equal(await overlayShown(), true, 'the ? button opens it too');
  await page.keyboard.press('Escape');
  await page.fill('#run-count', '2');
  await page.locator('#run-count').press('?');
  assert.equal(await overlayShown(), false, 'typing in a field is left alone');
  await page.fill('#run-count', '1');
});

test('a LoadResidual path is laid out beside its label, shortened from the start, never over it', { skip }, async () => {
  const { page } = s;
  const paths = ['a.pt', 'models/shapes/residuals/checkered_circle.safetensors',
    'some/very/long/folder/name/that/goes/on/and/on/models/shapes/residuals/checkered_circle.safetensors'];
  const graph = {
    format: 'cones-graph', version: 1,
    nodes: Object.fromEntries(paths.map((path, i) => [`residual${i}`, { type: 'LoadResidual', version: 1, inputs: { path } }])),
    editor: { nodes: Object.fromEntries(paths.map((_, i) => [`residual${i}`, { pos: [40, 40 + i * 120] }])) },
  };
  await page.evaluate((g) => (window as any).cones.open(g), graph);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const layouts = await page.evaluate(() => (window as any).cones.graph._nodes.map((n: any) => {
    const w = n.widgets.find((x: any) => x.conesInput === 'path');
    return { type: w.type, value: w.value, width: n.size[0], layout: w.conesLayout };
  }));
  for (const [i, { type, value, width, layout }] of layouts.entries()) {
    assert.equal(type, 'cones-picker');
    assert.ok(layout, 'the widget was drawn');
    assert.equal(value, paths[i], 'the value itself is never shortened');
    assert.ok(layout.label[1] < layout.value[0], `label ${layout.label} and value ${layout.value} do not overlap`);
    assert.ok(layout.value[1] <= width - 15, 'the value stays inside the widget');
    if (i === 0) assert.equal(layout.text, 'a.pt', 'a short path is shown whole');
    else {
      assert.match(layout.text, /^….*circle\.safetensors$/, `the end of the path stays visible: ${layout.text}`);
      assert.ok(layout.text.length >= 20, `as much of the path as fits is shown: ${layout.text}`);
      assert.ok(paths[i].endsWith(layout.text.slice(1)));
    }
  }
  // The edit prompt still opens from the widget (its list's "Type a path…") and sets the value.
  const lastY = await page.evaluate(() => (window as any).cones.node('residual0').widgets[0].last_y);
  const at = await nodePoint(page, 'residual0', 140, lastY + 10);
  await page.mouse.click(at.x, at.y);
  await page.click('.cones-picker-menu .cones-type-path');
  const input = page.locator('.graphdialog input');
  await input.fill('residuals/mine.safetensors');
  await input.press('Enter');
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile().nodes.residual0.inputs),
    { path: 'residuals/mine.safetensors' });
  await screenshot(page, 'load-residual-path');
});
