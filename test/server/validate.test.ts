/**
 * POST /api/validate (issue 26): the checks POST /api/runs does before queueing (structure, paths inside the
 * server's folders, the nodes' file checks), answered 200 { ok, issues } and never queued.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { graphOf, REPO_ROOT, startTestServer, type TestServer } from './helpers';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.server.close();
});

const validate = (json: unknown) => t.api('/api/validate', { method: 'POST', json });
const codes = (body: any) => body.issues.map((i: any) => [i.code, i.nodeId, i.input]);

test('a valid graph is ok, with no issues', async () => {
  const graph = JSON.parse(readFileSync(join(REPO_ROOT, 'graphs', 'hello-text.json'), 'utf8'));
  const r = await validate({ graph });
  assert.deepEqual([r.status, r.body], [200, { ok: true, issues: [] }]);
  const residual = graphOf({
    residual: { type: 'LoadResidual', version: 1, inputs: { path: 'models/shapes/residuals/holed_star.safetensors' } },
    sink: { type: 'TestResidualSink', version: 1, inputs: { residual: { from: 'residual', output: 'residual' } } },
  });
  assert.deepEqual((await validate({ graph: residual })).body, { ok: true, issues: [] }, 'file checks that pass');
});

test('structural problems are listed with their codes, nodes and inputs', async () => {
  const graph = graphOf({
    a: { type: 'NoSuchNode', version: 1, inputs: {} },
    s: { type: 'TestSink', version: 1, inputs: { value: { from: 'gone', output: 'value' } } },
  });
  const r = await validate({ graph });
  assert.equal(r.status, 200);
  assert.equal(r.body.ok, false);
  assert.deepEqual(codes(r.body).map((c: string[]) => c[0]).sort(), ['E_DANGLING_LINK', 'E_UNKNOWN_NODE_TYPE']);
  assert.equal(r.body.omitted, undefined);
  const notJson = await validate({ graph: '{ not json' });
  assert.deepEqual(codes(notJson.body).map((c: string[]) => c[0]), ['E_GRAPH_JSON']);
});

test('missing files fail the file checks, named without the server\'s folders', async () => {
  const graph = graphOf({
    residual: { type: 'LoadResidual', version: 1, inputs: { path: 'missing.safetensors' } },
    sink: { type: 'TestResidualSink', version: 1, inputs: { residual: { from: 'residual', output: 'residual' } } },
  });
  const r = await validate({ graph });
  assert.equal(r.status, 200);
  assert.deepEqual(codes(r.body), [['E_RESIDUAL_NOT_FOUND', 'residual', 'path']]);
  assert.ok(!JSON.stringify(r.body).includes(t.dir), JSON.stringify(r.body));
  // The same graph is refused by the run route with the same issues (one shared check).
  const run = await t.api('/api/runs', { method: 'POST', json: { graph } });
  assert.equal(run.status, 400);
  assert.deepEqual(run.body.error.issues, r.body.issues);
});

test('paths leaving the server\'s folders are issues, and their bytes never appear', async () => {
  const read = (path: string) => ({ type: 'TestReadText', version: 1, inputs: { path } });
  const graph = graphOf({ up: read('../../../../etc/passwd'), abs: read('/etc/passwd'), enc: read('..%2f..%2fetc/passwd') });
  const r = await validate({ graph });
  assert.equal(r.status, 200);
  assert.equal(r.body.ok, false);
  assert.deepEqual(codes(r.body).sort(), [['E_PATH_OUTSIDE_FOLDER', 'abs', 'path'], ['E_PATH_OUTSIDE_FOLDER', 'up', 'path']]);
  const linked = graphOf({
    name: { type: 'Text', version: 1, inputs: { value: '/etc/passwd' } },
    residual: { type: 'LoadResidual', version: 1, inputs: { path: { from: 'name', output: 'text' } } },
    sink: { type: 'TestResidualSink', version: 1, inputs: { residual: { from: 'residual', output: 'residual' } } },
  });
  const l = await validate({ graph: linked });
  assert.deepEqual(codes(l.body), [['E_FILE_NOT_ALLOWED', 'residual', 'path']]);
  for (const body of [r.body, l.body]) assert.doesNotMatch(JSON.stringify(body), /root:x:/);
});

test('the answer is bounded: 300 problems give 100 issues and the count of the rest', async () => {
  const nodes: Record<string, unknown> = {};
  for (let k = 0; k < 300; k++) nodes[`n${k}`] = { type: 'NoSuchNode', version: 1, inputs: {} };
  const r = await validate({ graph: graphOf(nodes) });
  assert.equal(r.status, 200);
  assert.equal(r.body.issues.length, 100);
  assert.equal(r.body.omitted, 200);
});

test('malformed requests are 4xx errors, not verdicts', async () => {
  assert.equal((await validate({})).body.error.code, 'E_BAD_REQUEST');
  assert.equal((await validate({ graph: {}, outputs: 'save' })).body.error.code, 'E_BAD_REQUEST');
  const text = await t.api('/api/validate', { method: 'POST', body: 'graph', headers: { 'content-type': 'text/plain' } });
  assert.deepEqual([text.status, text.body.error.code], [415, 'E_UNSUPPORTED_MEDIA_TYPE']);
});

test('nothing is ever queued or recorded by validating', async () => {
  const graph = JSON.parse(readFileSync(join(REPO_ROOT, 'graphs', 'hello-text.json'), 'utf8'));
  for (let k = 0; k < 5; k++) assert.equal((await validate({ graph })).body.ok, true);
  assert.deepEqual((await t.api('/api/queue')).body, { running: null, pending: [] });
  assert.deepEqual((await t.api('/api/history')).body, { runs: [] });
});
