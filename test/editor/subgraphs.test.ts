// Subgraphs in the editor (issue 27), in a real browser against a real server running model-free graphs: three
// nodes collapsed into an embedded subgraph (one undo step), opened, an inner value edited, Back, run to the end;
// embedded subgraphs survive load -> save; a lib/two-subjects node added from the Add Node menu saves as that type;
// Save to library writes the file into the server's --lib folder and the node can use it as lib/NAME.
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_BROWSER, nodePoint, screenshot, useEditor, waitForStatus, type EditorSession } from './browser';

declare const window: any, document: any;

let s: EditorSession;
let lib = '';
const skip = NO_BROWSER;
useEditor(skip, (session) => { s = session; }, (dir) => {
  lib = join(dir, 'lib');
  mkdirSync(lib, { recursive: true });
  return { libraries: [lib] };
});

/** subject -> prompt <- other; prompt -> wrap -> save: model-free, its SaveText writes "<a red circle and ...>". */
const textGraph = {
  format: 'cones-graph', version: 1,
  meta: { title: 'collapse me' },
  nodes: {
    subject: { type: 'Text', version: 1, inputs: { value: 'a red circle' } },
    other: { type: 'Text', version: 1, inputs: { value: 'a blue square' } },
    prompt: { type: 'TextTemplate', version: 1, inputs: { template: '{a} and {b}', a: { from: 'subject', output: 'text' }, b: { from: 'other', output: 'text' } } },
    wrap: { type: 'TextTemplate', version: 1, inputs: { template: '<{a}>', a: { from: 'prompt', output: 'text' } } },
    save: { type: 'SaveText', version: 1, inputs: { text: { from: 'wrap', output: 'text' }, filename: 'out.txt' } },
  },
  editor: { nodes: { subject: { pos: [40, 40] }, other: { pos: [40, 260] }, prompt: { pos: [340, 40] }, wrap: { pos: [640, 40] }, save: { pos: [940, 40] } } },
};

const rootFile = () => s.page.evaluate(() => (window as any).cones.rootFile());
const frame = () => s.page.evaluate(() => new Promise((r) => (window as any).requestAnimationFrame(() => (window as any).requestAnimationFrame(r))));

/** Right-clicks node `id`'s title and clicks the menu entry `entry`. */
async function nodeMenu(id: string, entry: string): Promise<void> {
  await frame();
  const p = await nodePoint(s.page, id, 60, -12);
  await s.page.mouse.click(p.x, p.y, { button: 'right' });
  await s.page.locator('.litecontextmenu .litemenu-entry', { hasText: entry }).first().click();
}

async function runAndRead(file: string): Promise<string> {
  const { page } = s;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/runs') && r.request().method() === 'POST'),
    page.click('#btn-run'),
  ]);
  const body = await response.json();
  assert.equal(response.status(), 201, JSON.stringify(body));
  await waitForStatus(page, /^done in/);
  const res = await fetch(`${s.server.url}/api/files/outputs/${body.runId}/${file}`);
  assert.equal(res.status, 200);
  return res.text();
}

test('three nodes collapse into an embedded subgraph (one undo step), open, edit inside, back, run', { skip }, async () => {
  const { page } = s;
  await page.evaluate((g) => (window as any).cones.open(g), textGraph);
  await page.evaluate(() => {
    const { canvas, node } = (window as any).cones;
    canvas.selectNodes(['other', 'prompt', 'wrap'].map(node));
  });
  page.once('dialog', (d) => void d.accept('pair'));
  await nodeMenu('prompt', 'Collapse to subgraph');
  await waitForStatus(page, /^opened collapsed 3 node\(s\) into subgraph\/pair$/);

  const collapsed = await rootFile();
  assert.deepEqual(Object.keys(collapsed.nodes), ['subject', 'pair', 'save']);
  assert.deepEqual(collapsed.nodes.pair, { type: 'subgraph/pair', version: 1, inputs: { a: { from: 'subject', output: 'text' } } });
  assert.deepEqual(collapsed.nodes.save.inputs.text, { from: 'pair', output: 'text' }, 'the outside node reads the interface output');
  const sub = collapsed.subgraphs.pair;
  assert.deepEqual(sub.interface, { version: 1, inputs: { a: { node: 'prompt', input: 'a' } }, outputs: { text: { node: 'wrap', output: 'text' } } });
  assert.deepEqual(Object.keys(sub.nodes), ['other', 'prompt', 'wrap']);
  assert.equal(sub.nodes.other.inputs.value, 'a blue square', 'inner values kept');
  assert.deepEqual(sub.nodes.prompt.inputs, { template: '{a} and {b}', b: { from: 'other', output: 'text' } }, 'the crossing link became the interface input');
  // The collapsed node is a typed node: an input slot "a" (STRING) linked from subject, an output "text".
  const ports = await page.evaluate(() => {
    const n = (window as any).cones.node('pair');
    return { type: n.conesDesc?.type, inputs: n.inputs.map((i: any) => [i.name, i.type, i.link != null]), outputs: n.outputs.map((o: any) => [o.name, o.type]) };
  });
  assert.deepEqual(ports, { type: 'subgraph/pair', inputs: [['a', 'STRING', true]], outputs: [['text', 'STRING']] });

  // One undo step: Ctrl+Z brings the five nodes back, Ctrl+Shift+Z the collapse.
  await page.locator('#graph-canvas').focus();
  await page.keyboard.press('Control+z');
  assert.deepEqual(Object.keys((await rootFile()).nodes), Object.keys(textGraph.nodes));
  assert.equal((await rootFile()).subgraphs, undefined);
  await page.keyboard.press('Control+Shift+z');
  assert.deepEqual(await rootFile(), collapsed);

  // Open: the inner graph is on the canvas with a breadcrumb; an edit inside is written back on Back.
  await nodeMenu('pair', 'Open subgraph');
  await waitForStatus(page, /^editing subgraph\/pair$/);
  assert.equal(await page.isVisible('#subgraph-bar'), true);
  assert.match((await page.textContent('#subgraph-bar'))!, /graph › subgraph\/pair/);
  assert.deepEqual(Object.keys(await page.evaluate(() => (window as any).cones.toGraphFile().nodes)), ['other', 'prompt', 'wrap']);
  await page.evaluate(() => (window as any).cones.setInput('other', 'value', 'a green star'));
  await screenshot(page, 'subgraph-open');
  await page.click('#subgraph-back');
  await waitForStatus(page, /^back from subgraph\/pair$/);
  assert.equal(await page.isVisible('#subgraph-bar'), false);
  const edited = await rootFile();
  assert.equal(edited.subgraphs.pair.nodes.other.inputs.value, 'a green star');
  assert.deepEqual(Object.keys(edited.nodes), ['subject', 'pair', 'save']);
  // The edits made inside are one undo step of the level above; its earlier steps are still there.
  await page.locator('#graph-canvas').focus();
  await page.keyboard.press('Control+z');
  assert.equal((await rootFile()).subgraphs.pair.nodes.other.inputs.value, 'a blue square', 'undo takes the inner edit back');
  await page.keyboard.press('Control+z');
  assert.equal((await rootFile()).subgraphs, undefined, 'and then the collapse');
  await page.keyboard.press('Control+Shift+z');
  await page.keyboard.press('Control+Shift+z');
  assert.deepEqual(await rootFile(), edited);

  assert.equal(await runAndRead('out.txt'), '<a red circle and a green star>');

  // A failure inside the subgraph is pinned on the subgraph node (inner nodes run as pair/INNER).
  const broken = structuredClone(edited);
  broken.subgraphs.pair.nodes.wrap.inputs.template = '<{a}{c}>';
  await page.evaluate((g) => (window as any).cones.open(g), broken);
  await page.click('#btn-run');
  await waitForStatus(page, /E_GRAPH_INVALID|E_TEMPLATE_INPUT_MISSING/);
  assert.match(await page.evaluate(() => (window as any).cones.node('pair').conesState.error), /\[pair\/wrap\] E_TEMPLATE_INPUT_MISSING/);
  await page.evaluate((g) => (window as any).cones.open(g), edited);

  // Load -> save keeps the embedded subgraph (and `requires`) unchanged.
  const withRequires = { ...edited, requires: { 'lib/two-subjects': { sha256: 'a'.repeat(64) } } };
  await page.evaluate((g) => (window as any).cones.open(g), withRequires);
  assert.deepEqual(await rootFile(), withRequires);
});

test('a lib/two-subjects node from the Add Node menu saves as that type and version', { skip }, async () => {
  const { page } = s;
  await page.click('#btn-new');
  await waitForStatus(page, /^opened a new graph$/);
  const box = (await page.locator('#graph-canvas').boundingBox())!;
  await page.mouse.click(box.x + 300, box.y + 200, { button: 'right' });
  await page.locator('.litecontextmenu .litemenu-entry', { hasText: 'Add Node' }).click();
  await page.locator('.litecontextmenu .litemenu-entry', { hasText: /^subgraph$/ }).click();
  await page.locator('.litecontextmenu .litemenu-entry', { hasText: /^lib$/ }).click();
  await page.locator('.litecontextmenu .litemenu-entry', { hasText: 'lib/two-subjects' }).click();
  const file = await rootFile();
  assert.deepEqual(Object.keys(file.nodes), ['two-subjects']);
  const node = file.nodes['two-subjects'];
  assert.equal(node.type, 'lib/two-subjects');
  assert.equal(node.version, 1);
  assert.equal(node.inputs.steps, 25, 'interface inputs are widgets with the subgraph\'s values as defaults');
  assert.deepEqual(await page.evaluate(() => (window as any).cones.node('two-subjects').outputs.map((o: any) => o.type)), ['IMAGE', 'LATENT']);
  // Reopened, the file is unchanged.
  await page.evaluate((g) => (window as any).cones.open(g), file);
  assert.deepEqual(await rootFile(), file);
});

test('Save to library writes NAME.json into the --lib folder and the node switches to lib/NAME', { skip }, async () => {
  const { page } = s;
  await page.evaluate((g) => (window as any).cones.open(g), textGraph);
  await page.evaluate(() => (window as any).cones.subgraphs.collapse(['other', 'prompt', 'wrap'], 'pair'));
  page.once('dialog', (d) => void d.accept()); // "Use lib/pair for pair?"
  await nodeMenu('pair', 'Save to library');
  await waitForStatus(page, /^opened pair is now lib\/pair$/);
  const path = join(lib, 'pair.json');
  assert.ok(existsSync(path), 'written into the --lib folder');
  const saved = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(saved, (await rootFile()).subgraphs.pair, 'the embedded subgraph as it was');
  const file = await rootFile();
  assert.deepEqual(file.nodes.pair, { type: 'lib/pair', version: 1, inputs: { a: { from: 'subject', output: 'text' } } });
  assert.equal(await page.evaluate(() => (window as any).cones.node('pair').conesDesc?.type), 'lib/pair');
  assert.equal(await runAndRead('out.txt'), '<a red circle and a blue square>');

  // A second save of the same name is refused by the server unless confirmed; declined, the file stays.
  page.once('dialog', (d) => void d.dismiss());
  await page.evaluate(() => (window as any).cones.subgraphs.saveToLibrary('pair'));
  await waitForStatus(page, /E_LIB_EXISTS/);
});
