// DELETE /api/history/:runId and DELETE /api/history (issue 26, the editor's history gallery): only finished runs,
// written durably (a restart does not bring them back), `?files=1` removes outputs/<runId>/ and nothing else, and a
// run id is a UUID before any path is built from it (traversal in every encoding is refused, nothing is touched).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodePng } from '../../diffusion/image/encode';
import { connectWs, graphOf, slowGraph, startTestServer, tempDir, type TestServer } from './helpers';

const SAVE_GRAPH = graphOf({
  img: { type: 'LoadImage', version: 1, inputs: { path: 'pic.png' } },
  // cache: false, so every run writes its own image into its own outputs/<runId>/ (a cached node writes nothing).
  save: { type: 'SaveImage', version: 1, cache: false, inputs: { image: { from: 'img', output: 'image' }, prefix: 'del' } },
});

async function uploadPicture(t: TestServer): Promise<void> {
  const png = await encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(90) });
  const up = await t.api('/api/upload/inputs?filename=pic.png', {
    method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: png,
  });
  assert.equal(up.status, 201, JSON.stringify(up.body));
}

async function finished(t: TestServer, runId: string): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const res = await t.api(`/api/history/${runId}`);
    if (res.status === 200) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} never reached history`);
}

/** Submits SAVE_GRAPH and waits for its history entry; returns the run id. */
async function savedRun(t: TestServer): Promise<string> {
  const r = await t.api('/api/runs', { method: 'POST', json: { graph: SAVE_GRAPH } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const entry = await finished(t, r.body.runId);
  assert.equal(entry.status, 'ok', JSON.stringify(entry.error));
  return r.body.runId;
}

/** A DELETE with the path sent byte for byte (fetch would normalise dot segments before they reach the server). */
function rawDelete(base: string, path: string): Promise<{ status: number; body: any }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'DELETE', path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const historyIds = async (t: TestServer): Promise<string[]> => (await t.api('/api/history?limit=1000')).body.runs.map((r: any) => r.runId);

test('deleting one finished run: gone from the history (durably, across a restart); ?files=1 removes only outputs/<runId>/', async () => {
  const dir = tempDir();
  let t = await startTestServer(dir);
  try {
    await uploadPicture(t);
    const [a, b, c] = [await savedRun(t), await savedRun(t), await savedRun(t)];
    const out = t.options.folders.outputs;
    for (const id of [a, b, c]) assert.ok(existsSync(join(out, id, 'del_00001.png')), `run ${id} saved its image`);
    // Things that must survive: a file beside the run folders, and a folder outside that a link inside the run's folder points to.
    const victim = join(dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep.txt'), 'keep');
    writeFileSync(join(out, 'keep-root.txt'), 'keep');
    symlinkSync(victim, join(out, a, 'escape'));

    const del = await t.api(`/api/history/${a}?files=1`, { method: 'DELETE' });
    assert.deepEqual([del.status, del.body], [200, { deleted: a, filesRemoved: true }]);
    assert.equal(existsSync(join(out, a)), false, 'the run folder is gone');
    assert.equal(readFileSync(join(victim, 'keep.txt'), 'utf8'), 'keep', 'a link inside the run folder was not followed');
    assert.ok(existsSync(join(out, 'keep-root.txt')), 'files beside the run folders stay');
    assert.ok(existsSync(join(out, b, 'del_00001.png')), 'other runs\' folders stay');
    const gone = await t.api(`/api/history/${a}`);
    assert.deepEqual([gone.status, gone.body.error.code], [404, 'E_RUN_NOT_FOUND']);
    assert.deepEqual(await historyIds(t), [c, b], 'the others are listed, newest first');
    const again = await t.api(`/api/history/${a}`, { method: 'DELETE' });
    assert.deepEqual([again.status, again.body.error.code], [404, 'E_RUN_NOT_FOUND']);

    // Without ?files=1 the outputs stay.
    const keepFiles = await t.api(`/api/history/${b}`, { method: 'DELETE' });
    assert.deepEqual([keepFiles.status, keepFiles.body], [200, { deleted: b, filesRemoved: false }]);
    assert.ok(existsSync(join(out, b, 'del_00001.png')), 'without ?files=1 the image stays');
    const file = readFileSync(join(dir, 'data/history.jsonl'), 'utf8');
    assert.equal(file.includes(a) || file.includes(b), false, 'history.jsonl no longer holds the deleted runs');
    assert.ok(file.includes(c));

    // A restart reads the file: the deleted runs stay deleted, the other one is still there.
    await t.server.close();
    t = await startTestServer(dir);
    assert.deepEqual(await historyIds(t), [c]);
    assert.equal((await t.api(`/api/history/${a}`)).status, 404);
    assert.equal((await t.api(`/api/history/${b}`)).status, 404);
    assert.equal((await t.api(`/api/history/${c}`)).body.status, 'ok');
  } finally {
    await t.server.close();
  }
});

test('run ids with path traversal, encoded slashes or no UUID shape are refused before any path is built', async () => {
  const dir = tempDir();
  const t = await startTestServer(dir);
  try {
    await uploadPicture(t);
    const kept = await savedRun(t);
    const out = t.options.folders.outputs;
    // outputs is <dir>/out: "../victim" from it, and "../../etc"-style climbs, must reach nothing.
    const victim = join(dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep.txt'), 'keep');
    const attacks = [
      '..%2Fvictim', '..%2F..%2Fetc', '%2e%2e%2fvictim', '..%5Cvictim', '..%5C..%5Cetc', '%2E%2E%2F%2E%2E%2Fetc',
      `${kept}%2F..%2F..%2Fvictim`, `${kept}%00`, 'not-a-uuid', kept.toUpperCase(), `${kept}x`, '..', '.', '%252e%252e%252fvictim',
    ];
    for (const attack of attacks) {
      const res = await rawDelete(t.base, `/api/history/${attack}?files=1`);
      assert.equal(res.status, 400, `${attack}: ${JSON.stringify(res.body)}`);
      assert.ok(['E_BAD_REQUEST', 'E_PATH_INVALID'].includes(res.body.error.code), `${attack}: ${res.body.error.code}`);
    }
    // Bad percent-encoding, and dot segments the server receives unnormalised: coded refusals all the same.
    const bad = await rawDelete(t.base, '/api/history/%E0%A4%A?files=1');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'E_PATH_INVALID');
    const dots = await rawDelete(t.base, '/api/history/../../victim?files=1');
    assert.ok(dots.status >= 400 && dots.status < 500 && typeof dots.body.error.code === 'string', JSON.stringify(dots.body));
    const badFlag = await t.api(`/api/history/${kept}?files=yes`, { method: 'DELETE' });
    assert.deepEqual([badFlag.status, badFlag.body.error.code], [400, 'E_BAD_REQUEST']);

    assert.equal(readFileSync(join(victim, 'keep.txt'), 'utf8'), 'keep', 'nothing outside the outputs folder was touched');
    assert.ok(existsSync(join(out, kept, 'del_00001.png')), 'nor the run whose id was dressed up');
    assert.deepEqual(await historyIds(t), [kept], 'and no entry was deleted');

    // The run's folder replaced by a link to the victim: ?files=1 removes the link, never what it points to.
    rmSync(join(out, kept), { recursive: true });
    symlinkSync(victim, join(out, kept));
    const del = await t.api(`/api/history/${kept}?files=1`, { method: 'DELETE' });
    assert.deepEqual([del.status, del.body], [200, { deleted: kept, filesRemoved: true }]);
    assert.equal(existsSync(join(out, kept)), false, 'the link is gone');
    assert.equal(readFileSync(join(victim, 'keep.txt'), 'utf8'), 'keep', 'its target is intact');
  } finally {
    await t.server.close();
  }
});

test('a pending or running run is refused with E_RUN_NOT_FINISHED; clearing the history leaves it alone and survives a restart', async () => {
  const dir = tempDir();
  let t = await startTestServer(dir, { interruptGraceMs: 300 });
  try {
    const ws = await connectWs(t.base);
    const done = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(1, 1) } });
    await finished(t, done.body.runId);
    // 500 steps x 20 ms = 10 s if nobody stops it.
    const running = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(2, 500) } });
    const pending = await t.api('/api/runs', { method: 'POST', json: { graph: slowGraph(3, 1) } });
    await ws.waitFor((m) => m.runId === running.body.runId && m.type === 'progress');
    const marker = join(t.options.folders.outputs, running.body.runId, 'marker.txt');
    mkdirSync(join(t.options.folders.outputs, running.body.runId), { recursive: true });
    writeFileSync(marker, 'in use');

    for (const runId of [running.body.runId, pending.body.runId]) {
      const res = await t.api(`/api/history/${runId}?files=1`, { method: 'DELETE' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'E_RUN_NOT_FINISHED');
      assert.match(res.body.error.hint, /DELETE \/api\/queue\/|POST \/api\/interrupt/);
    }
    const unknown = await t.api('/api/history/00000000-0000-4000-8000-000000000000', { method: 'DELETE' });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'E_RUN_NOT_FOUND']);

    // Clear all: the finished run goes, the running and the pending one are untouched (and their folder too).
    const cleared = await t.api('/api/history?files=1', { method: 'DELETE' });
    assert.deepEqual([cleared.status, cleared.body], [200, { deleted: 1, filesRemoved: 0 }]);
    assert.equal(readFileSync(marker, 'utf8'), 'in use');
    assert.deepEqual(await historyIds(t), []);
    const queue = (await t.api('/api/queue')).body;
    assert.equal(queue.running.runId, running.body.runId);
    assert.deepEqual(queue.pending.map((r: any) => r.runId), [pending.body.runId]);

    // Both end normally and are recorded after the clear.
    await t.api('/api/interrupt', { method: 'POST', json: { runId: running.body.runId } });
    assert.equal((await finished(t, running.body.runId)).status, 'interrupted');
    assert.equal((await finished(t, pending.body.runId)).status, 'ok');
    assert.deepEqual(await historyIds(t), [pending.body.runId, running.body.runId]);
    ws.close();

    // Cleared entries stay cleared across a restart; the ones recorded after the clear are kept.
    await t.server.close();
    t = await startTestServer(dir);
    assert.deepEqual(await historyIds(t), [pending.body.runId, running.body.runId]);
    assert.equal((await t.api(`/api/history/${done.body.runId}`)).status, 404);
    const all = await t.api('/api/history', { method: 'DELETE' });
    assert.deepEqual(all.body, { deleted: 2, filesRemoved: 0 });
    await t.server.close();
    t = await startTestServer(dir);
    assert.deepEqual(await historyIds(t), []);
  } finally {
    await t.server.close();
  }
});
