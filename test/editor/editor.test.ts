// The web editor in a real browser against a real server, without the model: example graphs round-trip
// losslessly, node types and widgets come from /api/nodes, the layout editor edits LayoutBoxes, validation
// errors land on their node, a run shows its result, and a dropped PNG restores the graph it carries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePng } from '../../diffusion/image/encode';
import { ARTIFACTS, NO_BROWSER, REPO_ROOT, nodePoint, openExample, useEditor, waitForStatus, type EditorSession } from './browser';

// Browser globals used inside page.evaluate callbacks (they run in the page); declared here, module-scoped, so the
// repo's Node-only type environment stays free of DOM types.
declare const window: any, document: any, localStorage: any, DataTransfer: any, DragEvent: any, File: any, requestAnimationFrame: any;


let s: EditorSession;
const skip = NO_BROWSER;
/** One pixel of the 440-pixel layout canvas, as a fraction of the image. */
const PIXEL = 1 / 440;

useEditor(skip, (session) => { s = session; });

const readGraph = async (name: string) => JSON.parse(await readFile(join(REPO_ROOT, 'graphs', `${name}.json`), 'utf8'));

test('every example graph opens from the Graphs menu and saves back unchanged', { skip }, async () => {
  const names = (await readdir(join(REPO_ROOT, 'graphs'))).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5));
  assert.ok(names.length >= 4);
  for (const name of names) {
    await openExample(s.page, name);
    const file = await readGraph(name);
    assert.equal(await s.page.evaluate(() => (window as any).cones.graph._nodes.length), Object.keys(file.nodes).length, name);
    assert.deepEqual(await s.page.evaluate(() => (window as any).cones.toGraphFile()), file, `${name} round trip`);
  }
  // What the canvas cannot show is carried through: unknown node types, dangling links, links into literal
  // inputs, escaped literals, node titles and cache flags, inputs a type does not declare, extra keys.
  const odd = {
    format: 'cones-graph', version: 1, meta: { title: 'odd' }, outputs: ['show'], extra: { kept: true },
    nodes: {
      mystery: { type: 'FromTheFuture', version: 3, inputs: { x: 1, y: { from: 'n', output: 'value' } } },
      n: { type: 'Number', version: 1, title: 'my number', cache: false, inputs: { value: 0.25 } },
      t: {
        type: 'TextTemplate', version: 1,
        inputs: { template: '{a}', a: { from: 'mystery', output: 'text' }, b: { value: { from: 'x', output: 'y' } }, zz: 3 },
      },
      show: { type: 'ShowText', inputs: { text: { from: 't', output: 'text' } } },
    },
    editor: { groups: [{ title: 'g', color: '#a1309b', bounding: [0, 0, 300, 200], note: 'kept' }], nodes: { n: { pos: [10, 20], collapsed: true } } },
  };
  const back = await s.page.evaluate((file) => { (window as any).cones.open(file); return (window as any).cones.toGraphFile(); }, odd);
  const positioned = Object.keys(odd.nodes).filter((id) => id !== 'n');
  assert.deepEqual(positioned.map((id) => back.editor.nodes[id].pos.length), [2, 2, 2], 'nodes without a position get one');
  for (const id of positioned) delete back.editor.nodes[id];
  assert.deepEqual(back, odd);

  // The Save button downloads the same document.
  await openExample(s.page, 'two-subjects-layout');
  const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('#btn-save')]);
  const saved = JSON.parse(await readFile((await download.path())!, 'utf8'));
  assert.deepEqual(saved, await readGraph('two-subjects-layout'));
});

test('node types come from /api/nodes: widgets follow each schema and typed slots refuse wrong links', { skip }, async () => {
  await openExample(s.page, 'two-subjects-layout');
  const info = await s.page.evaluate(() => {
    const { node } = (window as any).cones;
    const widgets = (id: string) => Object.fromEntries(node(id).widgets.map((w: any) => [
      w.conesInput ?? w.name, { type: w.type, options: w.options, disabled: !!w.disabled },
    ]));
    const toMask = (globalThis as any).LiteGraph.createNode('image/ImageToMask');
    return {
      sampler: widgets('sampler'), prompt: widgets('prompt'), layout: widgets('layout'),
      inputs: node('sampler').inputs.map((i: any) => [i.name, i.type]),
      invert: toMask.widgets.find((w: any) => (w.conesInput ?? w.name) === 'invert')?.type,
      labels: Object.fromEntries(node('sampler').widgets.map((w: any) => [w.conesInput ?? w.name, w.label])),
      typedLabel: (() => {
        const gw = node('sampler').widgets.find((w: any) => w.conesInput === 'layout_weight');
        gw.value = 0.3;
        const plain = gw.label;
        gw.label = 'weight';
        const assigned = gw.label;
        gw.value = -1;
        const special = gw.label;
        gw.label = undefined;
        return [plain, assigned, special];
      })(),
    };
  });
  assert.deepEqual(info.sampler.sampler.options.values, ['euler', 'euler_ancestral', 'ddim', 'dpmpp_2m']);
  assert.equal(info.sampler.steps.type, 'number');
  assert.deepEqual([info.sampler.steps.options.min, info.sampler.steps.options.max], [1, 1000]);
  assert.equal(info.sampler.self_recurrence.type, 'combo');
  assert.deepEqual(info.sampler.self_recurrence.options.values, ['model', 'on', 'off']);
  assert.equal(info.invert, 'toggle', 'a boolean input is a toggle');
  assert.deepEqual([info.labels.layout_weight, info.labels.guidance_steps, info.labels.steps],
    ['layout_weight (model)', 'guidance_steps (model)', undefined], 'a special value is named in the label while set');
  assert.deepEqual(info.typedLabel, [undefined, 'weight', 'layout_weight (model)'],
    'an ordinary value shows the plain name, an assigned label is kept (no throw), a special value still named');
  assert.ok(info.sampler['randomize seed'], 'a seed input has a randomize button');
  assert.equal(info.sampler.seed.disabled, true, 'a linked literal input disables its widget');
  assert.equal(info.prompt.value.options.multiline, true);
  assert.equal(info.layout.boxes.type, 'cones-layout');
  assert.deepEqual(info.inputs, [
    ['model', 'MODEL'], ['conditioning', 'CONDITIONING'], ['guidance', 'GUIDANCE'], ['layout', 'LAYOUT'],
    ['latent', 'LATENT'], ['mask', 'MASK'], ['seed', 'INT'],
  ]);

  const wiring = await s.page.evaluate(() => {
    const { node, toGraphFile } = (window as any).cones;
    const seed = node('seed');
    const sampler = node('sampler');
    const refused = seed.connect(0, node('tokens'), node('tokens').findInputSlot('model')); // INT into MODEL
    sampler.disconnectInput(sampler.findInputSlot('seed'));
    const unlinked = toGraphFile().nodes.sampler.inputs.seed;
    const enabled = !sampler.widgets.find((w: any) => w.conesInput === 'seed').disabled;
    const relinked = seed.connect(0, sampler, sampler.findInputSlot('seed')) !== null;
    return { refused, unlinked: unlinked ?? 'absent', enabled, relinked, seed: toGraphFile().nodes.sampler.inputs.seed };
  });
  assert.equal(wiring.refused, null, 'an INT output cannot feed a MODEL input');
  assert.equal(wiring.unlinked, 'absent', 'an input that was linked and never set stays left out (its default applies)');
  assert.equal(wiring.enabled, true);
  assert.equal(wiring.relinked, true);
  assert.deepEqual(wiring.seed, { from: 'seed', output: 'value' });

  // "Convert to input" from the node's menu gives a literal input a slot; a node added in the editor gets a
  // fresh id and writes its defaults by name.
  const added = await s.page.evaluate(() => {
    const { node, graph, canvas, toGraphFile } = (window as any).cones;
    const sampler = node('sampler');
    const options: any[] = [];
    sampler.getExtraMenuOptions(canvas, options);
    options.find((o) => o?.content === 'Convert to input: steps').callback();
    const steps = (globalThis as any).LiteGraph.createNode('utils/Integer');
    graph.add(steps);
    steps.widgets[0].value = 12;
    steps.widgets[0].callback(12);
    const linked = steps.connect(0, sampler, sampler.findInputSlot('steps')) !== null;
    const file = toGraphFile();
    return { linked, id: steps.conesId, entry: file.nodes[steps.conesId], steps: file.nodes.sampler.inputs.steps };
  });
  assert.equal(added.linked, true);
  assert.equal(added.id, 'integer');
  assert.deepEqual(added.entry, { type: 'Integer', version: 1, inputs: { value: 12 } });
  assert.deepEqual(added.steps, { from: 'integer', output: 'value' });
});

test('the layout editor resizes, draws, deletes and moves boxes and writes the LayoutBoxes value', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  // Click the layout drawing on the node: the real canvas path through litegraph's widget handling.
  const lastY = await page.evaluate(() => (window as any).cones.node('layout').widgets[0].last_y);
  const at = await nodePoint(page, 'layout', 140, lastY + 40);
  await page.mouse.click(at.x, at.y);
  const canvas = page.locator('.layout-editor canvas');
  await canvas.waitFor();
  const r = (await canvas.boundingBox())!;
  const px = (fx: number, fy: number) => [r.x + fx * r.width, r.y + fy * r.height] as const;
  const drag = async (from: readonly [number, number], to: readonly [number, number]) => {
    await page.mouse.move(...px(...from));
    await page.mouse.down();
    await page.mouse.move(...px(...to), { steps: 6 });
    await page.mouse.up();
  };
  // the example's boxes: circle [0.06, 0.3, 0.38, 0.66], square [0.62, 0.3, 0.94, 0.66]
  await drag([0.94, 0.66], [0.9, 0.6]); // resize "square" by its bottom-right corner
  await drag([0.55, 0.75], [0.95, 0.95]); // draw a third box in free space
  assert.equal(await page.locator('.layout-editor .box-row').count(), 3);
  const newPhrase = await page.locator('.layout-editor .box-row').nth(2).locator('.phrase').inputValue();
  assert.equal(newPhrase, 'red', 'a new box takes the first prompt word no box uses');
  await page.screenshot({ path: join(ARTIFACTS, 'editor-layout-dialog.png') });
  await page.locator('.layout-editor .box-row').nth(2).locator('.delete').click();
  await drag([0.22, 0.5], [0.32, 0.5]); // move "circle" right by a tenth
  await page.locator('.layout-editor .box-row').nth(0).locator('.strength').fill('3');
  await page.click('.layout-editor button.primary');
  assert.equal(await page.locator('.layout-editor').count(), 0, 'Apply closes the dialog');

  const boxes = await page.evaluate(() => (window as any).cones.toGraphFile().nodes.layout.inputs.boxes);
  assert.deepEqual(boxes.map((b: any) => [b.phrase, b.strength]), [['circle', 3], ['square', 2.5]]);
  const expected = [[0.16, 0.3, 0.48, 0.66], [0.62, 0.3, 0.9, 0.6]];
  boxes.forEach((b: any, i: number) => b.box.forEach((v: number, j: number) => {
    assert.ok(Math.abs(v - expected[i][j]) <= 3 * PIXEL, `box ${i}[${j}] = ${v}, expected ${expected[i][j]} within 3 px`);
  }));
});

test('validation errors from the server are shown on the offending node', { skip }, async () => {
  await openExample(s.page, 'hello-text');
  await s.page.evaluate(() => {
    const save = (window as any).cones.node('save');
    save.disconnectInput(save.findInputSlot('text'));
  });
  await s.page.click('#btn-run');
  assert.match(await waitForStatus(s.page, /not queued/), /E_GRAPH_INVALID/);
  const error = await s.page.evaluate(() => (window as any).cones.node('save').conesState.error);
  assert.match(error, /^E_MISSING_INPUT \(text\)/);
  await s.page.screenshot({ path: join(ARTIFACTS, 'editor-validation-error.png') });
});

test('a layout phrase missing from the prompt is pinned on the sampler before anything is queued', { skip }, async () => {
  const graph = await readGraph('two-subjects-layout');
  graph.nodes.prompt.inputs.value = 'a red circle and a blue triangle'; // the layout still places "square"
  await s.page.evaluate((g) => (window as any).cones.open(g), graph);
  await s.page.click('#btn-run');
  assert.match(await waitForStatus(s.page, /not queued/), /E_GRAPH_INVALID/);
  const error = await s.page.evaluate(() => (window as any).cones.node('sampler').conesState.error);
  assert.match(error, /^E_PHRASE_NOT_IN_PROMPT \(layout\)/);
  assert.match(error, /square/);
  const queue = (await (await fetch(`${s.server.url}/api/queue`)).json()) as { running: unknown; pending: unknown[] };
  assert.deepEqual([queue.running, queue.pending], [null, []], 'nothing was queued');
});

test('a run shows its result on the output node', { skip }, async () => {
  await openExample(s.page, 'hello-text');
  await s.page.click('#btn-run');
  await waitForStatus(s.page, /^done in/);
  const text = await s.page.evaluate(() => (window as any).cones.node('save').conesState.text);
  assert.equal(text, 'a red circle and a blue square');
  assert.match((await s.page.textContent('#log-list')) ?? '', /save: saved prompt\.txt/);
});

test('a run that finishes before its POST /api/runs answers still ends on "done", not "queued"', { skip }, async () => {
  await openExample(s.page, 'hello-text');
  let finished = false;
  await s.page.route('**/api/runs', async (route) => {
    const response = await route.fetch(); // the run is queued now; hold the answer until its events have arrived
    await s.page.waitForFunction(() => /^done in/.test(document.getElementById('status')!.textContent!), null, { timeout: 30_000 });
    finished = true;
    await route.fulfill({ response });
  });
  try {
    await s.page.click('#btn-run');
    await s.page.waitForResponse('**/api/runs');
    await s.page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
    assert.ok(finished, 'the run events arrived before the POST answer');
    assert.match((await s.page.textContent('#status')) ?? '', /^done in/);
  } finally {
    await s.page.unroute('**/api/runs');
  }
});

/** Drops `bytes` as a file named `name` onto the graph canvas, the way a file dragged from the desktop arrives. */
async function dropFile(name: string, type: string, bytes: Buffer): Promise<void> {
  await s.page.evaluate(({ name, type, b64 }) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bin], name, { type }));
    const target = document.getElementById('graph-canvas')!;
    for (const kind of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, { name, type, b64: bytes.toString('base64') });
}

test('dropping a PNG that carries a graph restores it; one without a graph is refused with a message', { skip }, async () => {
  const graph = await readGraph('two-subjects-layout');
  const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(200) };
  // Over 1 KB of graph JSON, so the iTXt entry is deflated as SaveImage writes it.
  const png = await encodePng(image, { text: { 'cones-graph': JSON.stringify(graph) } });
  assert.ok(JSON.stringify(graph).length > 1024);
  await openExample(s.page, 'hello-text');
  await dropFile('shapes_00001.png', 'image/png', png);
  await waitForStatus(s.page, /^opened shapes_00001\.png$/);
  assert.deepEqual(await s.page.evaluate(() => (window as any).cones.toGraphFile()), graph);

  await dropFile('plain.png', 'image/png', await encodePng(image));
  assert.match(await waitForStatus(s.page, /plain\.png/), /carries no "cones-graph" text entry/);
  assert.equal(await s.page.evaluate(() => (window as any).cones.graph._nodes.length), 10, 'a refused file leaves the graph alone');
});

test('the working graph survives a page reload', { skip }, async () => {
  const { page } = s;
  const before = await page.evaluate(() => (window as any).cones.toGraphFile());
  await page.waitForFunction((text) => localStorage.getItem('cones-graph:draft') === text, JSON.stringify(before), { polling: 200 });
  await page.reload();
  await page.evaluate(() => (window as any).cones.ready);
  await waitForStatus(page, /opened the last session|connected/);
  assert.deepEqual(await page.evaluate(() => (window as any).cones.toGraphFile()), before);
});
