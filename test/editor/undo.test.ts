// Undo / redo in the editor (issue 26): every edit kind is undone by Ctrl+Z and redone by Ctrl+Shift+Z and by
// Ctrl+Y, checked on the graph file the editor saves; a drag or a layout edit is one step; the history is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_BROWSER, canvasPoint, drag, nodePoint, openExample, screenshot, useEditor, type EditorSession } from './browser';

declare const window: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });

const file = () => s.page.evaluate(() => (window as any).cones.toGraphFile());
const sizes = () => s.page.evaluate(() => {
  const h = (window as any).cones.history;
  h.check();
  return { undo: h.undoSize, redo: h.redoSize };
});

/**
 * Runs `edit`, then checks: it changed the file and made exactly one history step; Ctrl+Z gives the file from
 * before, Ctrl+Shift+Z the file from after, and Ctrl+Z then Ctrl+Y the same again.
 */
async function checkUndoRedo(kind: string, edit: () => Promise<void>): Promise<any> {
  const { page } = s;
  const before = await file();
  const steps = (await sizes()).undo;
  await edit();
  const after = await file();
  assert.notDeepEqual(after, before, `${kind}: the edit changed the graph`);
  assert.equal((await sizes()).undo, Math.min(100, steps + 1), `${kind}: one history step`);
  await page.keyboard.press('Control+z');
  assert.deepEqual(await file(), before, `${kind}: Ctrl+Z undoes it`);
  assert.equal((await sizes()).redo, 1, `${kind}: restoring records nothing`);
  await page.keyboard.press('Control+Shift+Z');
  assert.deepEqual(await file(), after, `${kind}: Ctrl+Shift+Z redoes it`);
  await page.keyboard.press('Control+z');
  assert.deepEqual(await file(), before, `${kind}: undone again`);
  await page.keyboard.press('Control+y');
  assert.deepEqual(await file(), after, `${kind}: Ctrl+Y redoes it`);
  return after;
}

test('undo and redo every node edit: add, delete, move, link, unlink, widget value, layout boxes', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  assert.deepEqual(await sizes(), { undo: 0, redo: 0 }, 'opening a graph starts a new history');

  const added = await checkUndoRedo('add node', async () => {
    await page.evaluate(() => {
      const node = (globalThis as any).LiteGraph.createNode('utils/Integer');
      node.pos = [40, 700];
      (window as any).cones.graph.add(node);
    });
  });
  assert.deepEqual(added.nodes.integer, { type: 'Integer', version: 1, inputs: { value: 0 } });

  await checkUndoRedo('delete node (click, Delete key)', async () => {
    const title = await nodePoint(page, 'guidance', 40, -12);
    await page.mouse.click(title.x, title.y);
    await page.keyboard.press('Delete');
    assert.equal(await page.evaluate(() => (window as any).cones.node('guidance')), undefined);
  });

  const moved = await checkUndoRedo('move node (drag its title)', async () => {
    const title = await nodePoint(page, 'seed', 40, -12);
    await drag(page, title, { x: title.x + 90, y: title.y + 60 });
  });
  assert.ok(moved.editor.nodes.seed.pos[0] > 340 + 40, `seed moved right: ${moved.editor.nodes.seed.pos}`);

  const unlinked = await checkUndoRedo('unlink', async () => {
    await page.evaluate(() => {
      const sampler = (window as any).cones.node('sampler');
      sampler.disconnectInput(sampler.findInputSlot('layout'));
    });
  });
  assert.equal(unlinked.nodes.sampler.inputs.layout, undefined);

  const linked = await checkUndoRedo('link', async () => {
    await page.evaluate(() => {
      const { node } = (window as any).cones;
      node('layout').connect(0, node('sampler'), node('sampler').findInputSlot('layout'));
    });
  });
  assert.deepEqual(linked.nodes.sampler.inputs.layout, { from: 'layout', output: 'layout' });

  const valued = await checkUndoRedo('widget value', async () => {
    await page.evaluate(() => (window as any).cones.setInput('sampler', 'steps', 31));
  });
  assert.equal(valued.nodes.sampler.inputs.steps, 31);

  const laidOut = await checkUndoRedo('layout box edit (dialog, one step)', async () => {
    const lastY = await page.evaluate(() => (window as any).cones.node('layout').widgets[0].last_y);
    const at = await nodePoint(page, 'layout', 140, lastY + 40);
    await page.mouse.click(at.x, at.y);
    const box = (await page.locator('.layout-editor canvas').boundingBox())!;
    const px = (fx: number, fy: number) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
    await drag(page, px(0.22, 0.5), px(0.32, 0.6)); // move "circle"
    await drag(page, px(0.94, 0.66), px(0.9, 0.6)); // resize "square"
    await page.click('.layout-editor button.primary');
  });
  assert.ok(Math.abs(laidOut.nodes.layout.inputs.boxes[0].box[0] - 0.16) < 0.02, 'the circle box moved');
  await screenshot(page, 'undo-nodes');
});

test('undo and redo group edits: add, move (with its nodes), resize, retitle', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  const added = await checkUndoRedo('add group', async () => {
    await page.evaluate(() => {
      const g = new (globalThis as any).LiteGraph.LGraphGroup('Inputs');
      g.pos = [20, 200];
      g.size = [600, 200];
      (window as any).cones.graph.add(g);
    });
  });
  assert.deepEqual(added.editor.groups.map((g: any) => [g.title, g.bounding]), [['Inputs', [20, 200, 600, 200]]]);

  const moved = await checkUndoRedo('move group (drag its title bar)', async () => {
    const from = await canvasPoint(page, 300, 210);
    await drag(page, from, { x: from.x + 50, y: from.y + 40 });
  });
  const [gx, gy] = moved.editor.groups[0].bounding;
  assert.ok(gx > 20 && gy > 200, `group moved: ${moved.editor.groups[0].bounding}`);
  for (const id of ['guidance', 'seed']) {
    assert.deepEqual(moved.editor.nodes[id].pos.map((v: number, i: number) => v - added.editor.nodes[id].pos[i]), [gx - 20, gy - 200],
      `${id} moved with its group`);
  }
  assert.deepEqual(moved.editor.nodes.prompt.pos, added.editor.nodes.prompt.pos, 'a node outside the group stays');

  const resized = await checkUndoRedo('resize group (drag its corner)', async () => {
    const [x, y, w, h] = moved.editor.groups[0].bounding;
    const from = await canvasPoint(page, x + w - 2, y + h - 2);
    await drag(page, from, { x: from.x + 60, y: from.y + 30 });
  });
  const [, , w, h] = resized.editor.groups[0].bounding;
  assert.ok(w > 600 && h > 200, `group resized: ${resized.editor.groups[0].bounding}`);

  const retitled = await checkUndoRedo('retitle group', async () => {
    await page.evaluate(() => { (window as any).cones.graph._groups[0].title = 'Subjects'; });
  });
  assert.equal(retitled.editor.groups[0].title, 'Subjects');
  await screenshot(page, 'undo-groups');
});

test('the history keeps the last 100 steps; an edit after an undo drops the redo steps', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'hello-text');
  const result = await page.evaluate(() => {
    const { history, setInput } = (window as any).cones;
    for (let i = 1; i <= 105; i++) { setInput('prompt', 'b', `step ${i}`); history.check(); }
    const full = history.undoSize;
    let undone = 0;
    while (history.undo()) undone++;
    const oldest = (window as any).cones.toGraphFile().nodes.prompt.inputs.b;
    history.redo();
    setInput('prompt', 'b', 'branch');
    history.check();
    return { full, undone, oldest, redo: history.redoSize };
  });
  assert.equal(result.full, 100);
  assert.equal(result.undone, 100);
  assert.equal(result.oldest, 'step 5', 'the 100 newest steps are kept: undoing all of them reaches step 5');
  assert.equal(result.redo, 0);
  await screenshot(page, 'undo-bounded');
});
