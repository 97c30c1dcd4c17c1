// Seed control and "queue N" (issue 26): fixed / increment / decrement / randomize applied after each queued run,
// read back from the graphs the editor POSTs to /api/runs (intercepted: no model runs); a seed fed by an Integer
// node is controlled on that node and the sampler's own control is disabled; the mode is saved in `editor`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { NO_BROWSER, REPO_ROOT, openExample, screenshot, useEditor, type EditorSession } from './browser';

declare const window: any;

let s: EditorSession;
const skip = NO_BROWSER;
/** The seed of graphs/two-subjects-layout.json's Integer node: the runs queued from that example count from it. */
const START: number = JSON.parse(readFileSync(join(REPO_ROOT, 'graphs', 'two-subjects-layout.json'), 'utf8')).nodes.seed.inputs.value;
useEditor(skip, (session) => { s = session; });

/** Graphs POSTed to /api/runs while `body` runs; each is answered 201 without queueing anything. */
async function intercept(body: (posted: any[]) => Promise<void>): Promise<any[]> {
  const posted: any[] = [];
  const handler = async (route: Route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posted.push(route.request().postDataJSON().graph);
    await route.fulfill({ status: 201, json: { runId: `fake-${posted.length}`, position: 0 } });
  };
  await s.page.route('**/api/runs', handler);
  try {
    await body(posted);
  } finally {
    await s.page.unroute('**/api/runs', handler);
  }
  return posted;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Clicks Run `clicks` times (quickly) and returns the graphs submitted, once all `expected` POSTs arrived. */
async function queue(clicks: number, expected = clicks): Promise<any[]> {
  return intercept(async (posted) => {
    for (let i = 0; i < clicks; i++) await s.page.click('#btn-run');
    await until(`${expected} runs`, () => posted.length >= expected);
    await s.page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
    assert.equal(posted.length, expected);
  });
}

type Control = { name: string; value: string | null; disabled: boolean; values?: string[] };
const controls = (id: string): Promise<Control[]> => s.page.evaluate((nodeId) => (window as any).cones.node(nodeId).widgets
  .filter((w: any) => w.conesControlFor || w.conesFollows)
  .map((w: any) => ({ name: w.name, value: w.value, disabled: !!w.disabled, values: w.options?.values })), id);
const setMode = (id: string, mode: string) => s.page.evaluate(({ id, mode }) => {
  const w = (window as any).cones.node(id).widgets.find((x: any) => x.conesControlFor);
  w.value = mode;
}, { id, mode });

test('each seed mode gives the expected seeds over three queued runs (the sampler\'s own seed)', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  await page.evaluate(() => {
    const sampler = (window as any).cones.node('sampler');
    sampler.disconnectInput(sampler.findInputSlot('seed'));
  });
  assert.deepEqual(await controls('sampler'), [
    { name: 'seed: after run', value: 'fixed', disabled: false, values: ['fixed', 'increment', 'decrement', 'randomize'] },
    { name: 'randomize seed', value: null, disabled: false, values: undefined },
  ]);
  const MAX = Number.MAX_SAFE_INTEGER;
  for (const mode of ['fixed', 'increment', 'decrement', 'randomize']) {
    await page.evaluate(() => (window as any).cones.setInput('sampler', 'seed', 10));
    await setMode('sampler', mode);
    const seeds = (await queue(3)).map((g) => g.nodes.sampler.inputs.seed);
    const next = await page.evaluate(() => (window as any).cones.toGraphFile().nodes.sampler.inputs.seed);
    if (mode === 'fixed') assert.deepEqual([...seeds, next], [10, 10, 10, 10]);
    if (mode === 'increment') assert.deepEqual([...seeds, next], [10, 11, 12, 13]);
    if (mode === 'decrement') assert.deepEqual([...seeds, next], [10, 9, 8, 7]);
    if (mode === 'randomize') {
      assert.equal(seeds[0], 10);
      const all = [...seeds, next];
      assert.equal(new Set(all).size, 4, `four different seeds: ${all}`);
      for (const v of all) assert.ok(Number.isInteger(v) && v >= 0 && v <= MAX, `${v} in range`);
    }
  }
  // The mode is saved in the graph's editor section, and opening the file brings it back.
  const file = await page.evaluate(() => (window as any).cones.toGraphFile());
  assert.deepEqual(file.editor.nodes.sampler.control, { seed: 'randomize' });
  assert.equal(file.editor.nodes.prompt.control, undefined, 'nodes without a control get no key');
  await page.click('#btn-new');
  await page.evaluate((f) => (window as any).cones.open(f), file);
  assert.equal((await controls('sampler'))[0].value, 'randomize');
  // Decrement stops at the schema's minimum.
  await page.evaluate(() => (window as any).cones.setInput('sampler', 'seed', 1));
  await setMode('sampler', 'decrement');
  assert.deepEqual((await queue(3)).map((g) => g.nodes.sampler.inputs.seed), [1, 0, 0]);
  await screenshot(page, 'seed-sampler');
});

test('a seed fed by an Integer node: the Integer node\'s control acts, the sampler\'s is disabled', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  const sampler = await controls('sampler');
  assert.deepEqual(sampler.map((c) => c.disabled), [true, true], 'the linked seed offers no control that does nothing');
  assert.deepEqual((await controls('seed')).map((c) => [c.name, c.value, c.disabled]), [['value: after run', 'fixed', false]]);
  await setMode('sampler', 'randomize'); // even if set (e.g. by a file), a disabled control is not applied
  await setMode('seed', 'increment');
  const posted = await queue(3);
  assert.deepEqual(posted.map((g) => g.nodes.seed.inputs.value), [START, START + 1, START + 2]);
  assert.deepEqual(posted.map((g) => g.nodes.sampler.inputs.seed), Array(3).fill({ from: 'seed', output: 'value' }));
  assert.equal(await page.evaluate(() => (window as any).cones.node('sampler').widgets.find((w: any) => w.conesInput === 'seed').value), 0,
    'the ignored sampler widget is left alone');
  await setMode('seed', 'decrement');
  assert.deepEqual((await queue(3)).map((g) => g.nodes.seed.inputs.value), [START + 3, START + 2, START + 1]);
  await screenshot(page, 'seed-integer');
});

test('increment and decrement step by the batch size: a batch of 4 from seed 10 draws 10-13, the next run starts at 14', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  await page.evaluate(() => (window as any).cones.setInput('sampler', 'batch', 4));
  await setMode('seed', 'increment'); // the Integer node feeding the sampler's seed
  assert.deepEqual((await queue(3)).map((g) => g.nodes.seed.inputs.value), [START, START + 4, START + 8]);
  await setMode('seed', 'decrement');
  assert.deepEqual((await queue(2)).map((g) => g.nodes.seed.inputs.value), [START + 12, START + 8]);
  // The sampler's own seed (unlinked) steps by its own batch.
  await page.evaluate(() => {
    const sampler = (window as any).cones.node('sampler');
    sampler.disconnectInput(sampler.findInputSlot('seed'));
    (window as any).cones.setInput('sampler', 'seed', 10);
    (window as any).cones.setInput('sampler', 'batch', 3);
  });
  await setMode('sampler', 'increment');
  assert.deepEqual((await queue(3)).map((g) => g.nodes.sampler.inputs.seed), [10, 13, 16]);
});

test('"queue N": a count of 3 beside Run queues three runs, each after the seed control', { skip }, async () => {
  const { page } = s;
  await openExample(page, 'two-subjects-layout');
  await setMode('seed', 'increment');
  await page.fill('#run-count', '3');
  const posted = await queue(1, 3);
  assert.deepEqual(posted.map((g) => g.nodes.seed.inputs.value), [START, START + 1, START + 2]);
  // Ctrl+Enter queues the same count.
  const more = await intercept(async (p) => {
    await page.locator('#graph-canvas').focus();
    await page.keyboard.press('Control+Enter');
    await until('3 more runs', () => p.length >= 3);
  });
  assert.deepEqual(more.map((g) => g.nodes.seed.inputs.value), [START + 3, START + 4, START + 5]);
  await page.fill('#run-count', '1');
  await screenshot(page, 'seed-queue-n');
});
