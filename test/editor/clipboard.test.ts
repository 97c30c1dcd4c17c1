// Copy / paste (issue 26): Ctrl+C / Ctrl+V keep widget values, layouts and the links between the copied nodes;
// Ctrl+Shift+V also keeps links coming in from outside; the clipboard works between two tabs of the same origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_BROWSER, canvasPoint, nodePoint, openExample, screenshot, useEditor, type EditorSession } from './browser';

declare const window: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });

const PROMPT = 'a red circle and a blue square';

/** Selects nodes by clicking their titles (Shift+click adds to the selection), as a user does. */
async function select(page: typeof s.page, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    const at = await nodePoint(page, id, 60, -12);
    if (i) await page.keyboard.down('Shift');
    await page.mouse.click(at.x, at.y);
    if (i) await page.keyboard.up('Shift');
  }
  const selected = await page.evaluate(() => Object.values((window as any).cones.canvas.selected_nodes).map((n: any) => n.conesId));
  assert.deepEqual(selected.sort(), [...ids].sort());
}

test('Ctrl+C / Ctrl+V keeps values, layouts and internal links; Ctrl+Shift+V keeps incoming links too', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  // A value other than the input's default ('fixed'), so a paste that dropped it would show.
  await page.evaluate(() => (window as any).cones.setInput('tokens', 'mode', 'adaptive'));
  await select(page, ['prompt', 'tokens', 'layout']);
  await page.keyboard.press('Control+c');
  assert.match((await page.textContent('#status'))!, /copied 3 node/);

  // Paste where the mouse is, in free space below the graph.
  const target = await canvasPoint(page, 700, 720);
  await page.mouse.move(target.x, target.y);
  await page.keyboard.press('Control+v');
  let file = await page.evaluate(() => (window as any).cones.toGraphFile());
  assert.deepEqual(file.nodes.text, { type: 'Text', version: 1, inputs: { value: PROMPT } }, 'the pasted prompt keeps its text');
  assert.deepEqual(file.nodes.tokenize, {
    type: 'Tokenize', version: 1, inputs: { text: { from: 'text', output: 'text' }, mode: 'adaptive' },
  }, 'the link between copied nodes points at the copy; the link from outside (model) is dropped');
  assert.deepEqual(file.nodes.layoutboxes.inputs.boxes, file.nodes.layout.inputs.boxes, 'the layout is kept');
  const pos = file.editor.nodes;
  assert.deepEqual([pos.text.pos[0] - pos.tokenize.pos[0], pos.text.pos[1] - pos.tokenize.pos[1]],
    [pos.prompt.pos[0] - pos.tokens.pos[0], pos.prompt.pos[1] - pos.tokens.pos[1]], 'relative positions are kept');
  assert.ok(Math.abs(pos.text.pos[0] - 700) <= 2 && Math.abs(pos.text.pos[1] - 720) <= 2, `pasted at the mouse: ${pos.text.pos}`);
  const pastedSelected = await page.evaluate(() => Object.values((window as any).cones.canvas.selected_nodes).map((n: any) => n.conesId));
  assert.deepEqual(pastedSelected.sort(), ['layoutboxes', 'text', 'tokenize']);

  await page.mouse.move(target.x + 200, target.y + 200);
  await page.keyboard.press('Control+Shift+V');
  file = await page.evaluate(() => (window as any).cones.toGraphFile());
  assert.deepEqual(file.nodes.tokenize2.inputs, {
    model: { from: 'model', output: 'model' }, text: { from: 'text2', output: 'text' }, mode: 'adaptive',
  }, 'Ctrl+Shift+V keeps the incoming link from model');
  assert.equal(file.nodes.text2.inputs.value, PROMPT);
  // The links are real litegraph links, not only entries in the file.
  const linked = await page.evaluate(() => {
    const n = (window as any).cones.node('tokenize2');
    return ['model', 'text'].map((name) => n.inputs[n.findInputSlot(name)].link != null);
  });
  assert.deepEqual(linked, [true, true]);
  await screenshot(page, 'clipboard-within-page');

  // Pasting is one undo step.
  await page.keyboard.press('Control+z');
  file = await page.evaluate(() => (window as any).cones.toGraphFile());
  assert.equal(file.nodes.tokenize2, undefined);
  assert.ok(file.nodes.tokenize);
});

test('nodes copied in one tab paste into another tab of the same editor', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  await page.evaluate(() => (window as any).cones.setInput('prompt', 'value', 'a yellow star'));
  await page.evaluate(() => (window as any).cones.setInput('tokens', 'mode', 'adaptive')); // not the default
  await select(page, ['prompt', 'tokens']);
  await page.keyboard.press('Control+c');

  const other = await page.context().newPage();
  const errors: string[] = [];
  other.on('pageerror', (err) => errors.push(err.message));
  try {
    await other.addInitScript('window.__name = (f) => f;');
    await other.goto(page.url());
    await other.evaluate(() => (window as any).cones.ready);
    await other.click('#btn-new');
    assert.equal(await other.evaluate(() => (window as any).cones.graph._nodes.length), 0);
    const box = (await other.locator('#graph-canvas').boundingBox())!;
    await other.mouse.move(box.x + 300, box.y + 300);
    await other.keyboard.press('Control+Shift+V'); // no `model` node here: the incoming link cannot be kept
    const file = await other.evaluate(() => (window as any).cones.toGraphFile());
    assert.deepEqual(Object.keys(file.nodes).sort(), ['text', 'tokenize']);
    assert.deepEqual(file.nodes.text.inputs, { value: 'a yellow star' });
    assert.deepEqual(file.nodes.tokenize.inputs, { text: { from: 'text', output: 'text' }, mode: 'adaptive' });
    await screenshot(other, 'clipboard-other-tab');
  } finally {
    await other.close();
  }
  assert.deepEqual(errors, []);
});
