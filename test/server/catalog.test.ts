/**
 * GET /api/graphs and /api/nodes read files of the server's folders on every request: an example graphs folder
 * holding a FIFO, an oversized or broken file must answer at once and in bounds, and library changes must show up
 * while unchanged files are not re-read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MAX_SUBGRAPH_FILE_BYTES } from '../../engine';
import { startTestServer, tempDir, testOptions, type TestServer } from './helpers';

let t: TestServer;
let graphs: string;
let lib: string;
before(async () => {
  const dir = tempDir();
  graphs = join(dir, 'graphs');
  lib = join(dir, 'lib');
  mkdirSync(graphs, { recursive: true });
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(graphs, 'good.json'), JSON.stringify({ meta: { title: 'Good', description: 'fine' }, nodes: {} }));
  writeFileSync(join(graphs, 'broken.json'), '{ not json');
  execFileSync('mkfifo', [join(graphs, 'fifo.json')]); // nobody ever writes: a blocking read would hang the server
  const huge = openSync(join(graphs, 'huge.json'), 'w');
  ftruncateSync(huge, MAX_SUBGRAPH_FILE_BYTES + 1); // sparse: 16 MiB + 1 of zeros without writing them
  closeSync(huge);
  t = await startTestServer(dir, { libraries: [lib], folders: { ...testOptions(dir).folders, graphs } });
});
after(async () => { await t?.server.close(); });

test('the graph listing answers at once with a FIFO, an oversized and a broken file among the graphs', async () => {
  const started = Date.now();
  const res = await t.api('/api/graphs');
  assert.ok(Date.now() - started < 5000);
  assert.equal(res.status, 200);
  const byName = Object.fromEntries((res.body as any).graphs.map((g: any) => [g.name, g]));
  assert.deepEqual(byName.good, { name: 'good', title: 'Good', description: 'fine' });
  for (const name of ['broken', 'fifo', 'huge']) assert.equal(byName[name].unreadable, true, name);
});

test('a FIFO or an oversized example graph is not served: E_NOT_FOUND, no 16 MiB answer', async () => {
  for (const name of ['fifo', 'huge']) {
    const res = await t.api(`/api/graphs/${name}`);
    assert.equal(res.status, 404, name);
    assert.equal((res.body as any).error.code, 'E_NOT_FOUND');
  }
  const good = await t.api('/api/graphs/good');
  assert.equal((good.body as any).meta.title, 'Good');
});

test('/api/nodes lists a library subgraph added or changed between requests', async () => {
  const libTypes = async () => ((await t.api('/api/nodes')).body as any).nodes.map((n: any) => n.type).filter((n: string) => n.startsWith('lib/'));
  assert.ok(!(await libTypes()).includes('lib/greet'));
  const sub = (input: string) => ({
    format: 'cones-graph', version: 1,
    interface: { version: 1, inputs: { [input]: { node: 'who', input: 'value' } }, outputs: { text: { node: 'who', output: 'text' } } },
    nodes: { who: { type: 'Text', version: 1, inputs: { value: 'world' } } },
  });
  writeFileSync(join(lib, 'greet.json'), JSON.stringify(sub('words')));
  const first = ((await t.api('/api/nodes')).body as any).nodes.find((n: any) => n.type === 'lib/greet');
  assert.ok(first, 'a new library file is listed on the next request');
  writeFileSync(join(lib, 'greet.json'), JSON.stringify(sub('phrase_text')));
  const second = ((await t.api('/api/nodes')).body as any).nodes.find((n: any) => n.type === 'lib/greet');
  assert.notDeepEqual(second, first, 'a changed library file is described again');
});
