// Groups (issue 26): a group added from the canvas menu is saved with its title, colour and bounds in the graph
// file's `editor` section, the file still validates and runs on the CLI, and opening the file restores the group,
// whose drag moves the nodes inside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scratchDir } from '../helpers/scratch';
import { NO_BROWSER, REPO_ROOT, canvasPoint, drag, openExample, screenshot, useEditor, waitForStatus, type EditorSession } from './browser';

declare const window: any;

let s: EditorSession;
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; });
const dir = scratchDir('editor-groups');
const cones = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/cones.mjs'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

async function save(name: string): Promise<{ file: any; path: string }> {
  const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('#btn-save')]);
  const text = await readFile((await download.path())!, 'utf8');
  const path = join(dir, name);
  await writeFile(path, text);
  return { file: JSON.parse(text), path };
}

for (const example of ['hello-text', 'two-subjects-layout']) {
  test(`a group in ${example} survives save and open, moves its nodes, and the file stays a valid graph`, { skip }, async () => {
    const { page } = s;
    await openExample(page, example);
    const original = await page.evaluate(() => (window as any).cones.toGraphFile());
    const first = Object.keys(original.nodes)[0];
    const [nx, ny] = original.editor.nodes[first].pos;

    // Right-click on empty canvas (the fitted view leaves a margin), "Add Group": litegraph's own menu.
    const box = (await page.locator('#graph-canvas').boundingBox())!;
    await page.mouse.click(box.x + box.width - 20, box.y + box.height - 20, { button: 'right' });
    await page.locator('.litecontextmenu .litemenu-entry', { hasText: 'Add Group' }).click();
    assert.equal(await page.evaluate(() => (window as any).cones.graph._groups.length), 1);
    await page.evaluate(({ x, y }) => {
      const g = (window as any).cones.graph._groups[0];
      g.title = 'Subject';
      g.color = '#a1309b';
      g.pos = [x, y];
      g.size = [260, 260];
    }, { x: nx - 20, y: ny - 80 });

    const { file, path } = await save(`${example}-grouped.json`);
    assert.deepEqual(file.editor.groups, [{ title: 'Subject', color: '#a1309b', bounding: [nx - 20, ny - 80, 260, 260] }]);
    const { groups, ...editor } = file.editor;
    assert.deepEqual({ ...file, editor }, original, 'nothing but the group was added');

    // The engine ignores `editor`: the file validates (files included) and, model-free, runs.
    const validated = cones('validate', path, '--json');
    assert.equal(validated.status, 0, validated.stdout + validated.stderr);
    if (example === 'hello-text') {
      const out = join(dir, 'out');
      const ran = cones('run', path, '--out', out);
      assert.equal(ran.status, 0, ran.stderr);
      assert.equal(await readFile(join(out, 'prompt.txt'), 'utf8'), 'a red circle and a blue square');
    }

    // Open the saved file as a user does (Open…): the group is back with its title, colour and bounds.
    await page.click('#btn-new');
    await page.setInputFiles('#file-input', path);
    await waitForStatus(page, new RegExp(`^opened ${example}-grouped\\.json$`));
    const restored = await page.evaluate(() => (window as any).cones.graph._groups.map((g: any) => ({
      title: g.title, color: g.color, bounding: Array.from(g._bounding),
    })));
    assert.deepEqual(restored, [{ title: 'Subject', color: '#a1309b', bounding: [nx - 20, ny - 80, 260, 260] }]);
    assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), file, 'open + save is lossless');

    // Dragging the restored group's title bar moves the group and the node inside it, not the others.
    const from = await canvasPoint(page, nx + 200, ny - 70);
    const scale = await page.evaluate(() => (window as any).cones.canvas.ds.scale);
    await drag(page, from, { x: from.x + 100 * scale, y: from.y + 50 * scale });
    await screenshot(page, `groups-${example}`);
    const moved = (await save(`${example}-moved.json`)).file;
    const [gx, gy] = moved.editor.groups[0].bounding;
    const dx = gx - (nx - 20);
    const dy = gy - (ny - 80);
    assert.ok(Math.abs(dx - 100) <= 2 && Math.abs(dy - 50) <= 2, `group moved by (${dx}, ${dy})`);
    assert.deepEqual(moved.editor.nodes[first].pos, [nx + dx, ny + dy], 'the node inside moved with the group');
    for (const id of Object.keys(original.nodes).filter((n) => n !== first)) {
      assert.deepEqual(moved.editor.nodes[id].pos, original.editor.nodes[id].pos, `${id} is outside the group and stays`);
    }
  });
}
