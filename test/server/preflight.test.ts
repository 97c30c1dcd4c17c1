/**
 * The server runs the nodes' file checks before queueing (issue 24): a graph whose files would fail the run is
 * answered 400 E_GRAPH_INVALID with the issues pinned to their nodes and inputs (what the editor marks), within
 * the server's folders, bounded to MAX_ISSUES, and nothing is queued.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { graphOf, startTestServer, type TestServer } from './helpers';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.server.close();
});

const loadResidual = (path: unknown) => ({
  residual: { type: 'LoadResidual', version: 1, inputs: { path } },
  sink: { type: 'TestResidualSink', version: 1, inputs: { residual: { from: 'residual', output: 'residual' } } },
});
const submit = (graph: unknown) => t.api('/api/runs', { method: 'POST', json: { graph } });

test('a missing residual is refused before queueing, its issue pinned to the node and input', async () => {
  const r = await submit(graphOf(loadResidual('missing.safetensors')));
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'E_GRAPH_INVALID');
  assert.deepEqual(r.body.error.issues.map((i: any) => [i.code, i.nodeId, i.nodeType, i.input]), [
    ['E_RESIDUAL_NOT_FOUND', 'residual', 'LoadResidual', 'path'],
  ]);
  assert.deepEqual((await t.api('/api/queue')).body, { running: null, pending: [] }, 'nothing queued');
});

test('a path reaching outside the folders through a link is refused by the checks without its bytes', async () => {
  const graph = graphOf({
    ...loadResidual({ from: 'name', output: 'text' }),
    name: { type: 'Text', version: 1, inputs: { value: '/etc/passwd' } },
  });
  const r = await submit(graph);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.error.issues.map((i: any) => [i.code, i.nodeId, i.input]), [['E_FILE_NOT_ALLOWED', 'residual', 'path']]);
  assert.doesNotMatch(JSON.stringify(r.body), /root:|\/etc\/passwd/);
});

test('the answer stays bounded: hundreds of bad files give at most 100 issues and the count', async () => {
  const nodes: Record<string, unknown> = {};
  for (let k = 0; k < 300; k++) {
    nodes[`r${k}`] = { type: 'LoadResidual', version: 1, inputs: { path: `missing-${k}.safetensors` } };
    nodes[`s${k}`] = { type: 'TestResidualSink', version: 1, inputs: { residual: { from: `r${k}`, output: 'residual' } } };
  }
  const r = await submit(graphOf(nodes));
  assert.equal(r.status, 400);
  assert.equal(r.body.error.issues.length, 100);
  assert.match(r.body.error.message, /has 100 problem\(s\); nothing was queued\. The file checks stopped there: 200 node\(s\) were not checked\./);
});

test('a graph whose files pass is queued and runs', async () => {
  const r = await submit(graphOf(loadResidual('models/shapes/residuals/holed_star.safetensors')));
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
