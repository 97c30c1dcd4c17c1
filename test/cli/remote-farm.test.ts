/**
 * `cones run --server` against a farm (issue 25): a server with --redis (in this process), a real `redis-server` on a
 * free port in a temp folder and one real `cones worker` process; the CLI is a child process, as in CI. Exit codes
 * 0 / 2 / 3 / 130 as a local run gives them, files in --out. remote-run.test.ts covers the client against a plain
 * server and hostile ones. Skipped with the reason when redis-server is not installed (a failure under CI=true).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { readPngText } from '../../diffusion/image/png-text';
import { NO_REDIS, requireRedisInCi, startRedis, type TestRedis } from '../helpers/redis';
import { scratchDir } from '../helpers/scratch';
import { slowGraph, startTestServer, type TestServer } from '../server/helpers';
import { startWorker, stopWorker, type TestWorker } from '../server/farm/farm-helpers';
import { conesChild, interruptOnFirstProgress, ndjson, ROOT, type ConesOptions, type Result } from './remote-helpers';

requireRedisInCi();
const skip = NO_REDIS;

const LAYOUT = join(ROOT, 'graphs', 'two-subjects-layout.json');
const TEST_NODES = join(ROOT, 'test', 'fixtures', 'plugins', 'test-nodes.ts');
const tmp = scratchDir('remote-farm');
const cones = (args: string[], opts: Omit<ConesOptions, 'cwd'> = {}): Promise<Result> => conesChild(args, { cwd: tmp, ...opts });

let redis: TestRedis;
let t: TestServer;
let worker: TestWorker;

before(async () => {
  if (skip) return;
  redis = await startRedis();
  t = await startTestServer(undefined, { redisUrl: redis.url, noWorkerGraceMs: 30_000 });
  worker = await startWorker(redis.url);
});

after(async () => {
  if (skip) return;
  await t.server.close();
  await stopWorker(worker);
  await redis.stop();
});

function writeGraph(name: string, graph: Record<string, unknown>): string {
  const p = join(tmp, name);
  writeFileSync(p, JSON.stringify(graph));
  return p;
}

const queuedRunId = (stderr: string): string => /^Queued on \S+ as run ([0-9a-f-]{36}) /m.exec(stderr)![1];
const startedOnWorker = (runId: string): boolean => worker.lines.some((l) => l.includes(`run ${runId} started`));
const noStack = (r: Result) => assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');

test('a saved example graph runs on the worker: exit 0, its PNG in --out with the local run\'s pixels and graph', { skip }, async () => {
  const set = ['--set', 'sampler.steps=4', '--set', 'seed.value=7'];
  const [local, remote] = await Promise.all([
    cones(['run', LAYOUT, '--out', join(tmp, 'local'), ...set]),
    cones(['run', '--server', t.base, LAYOUT, '--out', join(tmp, 'remote'), ...set]),
  ]);
  assert.equal(local.code, 0, local.stderr);
  assert.equal(remote.code, 0, remote.stderr);
  const runId = queuedRunId(remote.stderr);
  assert.ok(startedOnWorker(runId), `the worker executed run ${runId}: ${worker.lines.join('\n')}`);
  assert.match(remote.stderr, /\] save \(SaveImage\) \d+ ms -> .*\/remote\/shapes_00001\.png$/m);
  assert.deepEqual(readdirSync(join(tmp, 'remote')), ['shapes_00001.png']);
  const [mine, theirs] = [join(tmp, 'local', 'shapes_00001.png'), join(tmp, 'remote', 'shapes_00001.png')];
  const pixels = (p: string) => sharp(p).raw().toBuffer();
  assert.ok((await pixels(mine)).equals(await pixels(theirs)), 'the worker drew the local run\'s pixels (4 steps, seed 7)');
  // Not byte for byte: the provenance holds the run id and the date. The graph it embeds is the one run here.
  const graphOf = (p: string) => JSON.parse(readPngText(readFileSync(p))['cones-graph']) as any;
  const embedded = graphOf(theirs);
  assert.deepEqual([embedded.nodes.sampler.inputs.steps, embedded.nodes.seed.inputs.value], [4, 7], '--set reached the worker');
  assert.deepEqual(embedded.nodes, graphOf(mine).nodes);
});

test('a node failing on the worker exits 3 with its code and node; a model no worker holds exits 3 too', { skip }, async () => {
  const failing = writeGraph('fail.json', {
    format: 'cones-graph', version: 1,
    nodes: {
      fail: { type: 'TestFail', version: 1, inputs: { value: 1 } },
      sink: { type: 'TestSink', version: 1, inputs: { value: { from: 'fail', output: 'value' } } },
    },
  });
  const r = await cones(['run', '--server', t.base, failing, '--plugin', TEST_NODES, '--json']);
  assert.equal(r.code, 3, r.stderr);
  const events = ndjson(r.stdout);
  const last = events.at(-1)!;
  assert.deepEqual([last.type, last.code, last.nodeId], ['run_error', 'E_TEST_FAILURE', 'fail']);
  assert.ok(startedOnWorker(last.runId), 'it failed on the worker');
  assert.equal((await t.api(`/api/history/${last.runId}`)).body.error.code, 'E_TEST_FAILURE');
  noStack(r);

  // The server holds the folder (so it accepts the graph), no worker does: accepted, then failed, not refused.
  mkdirSync(join(t.dir, 'in', 'models'), { recursive: true });
  cpSync(join(ROOT, 'models', 'shapes'), join(t.dir, 'in', 'models', 'shapes2'), { recursive: true });
  const text = await cones(['run', '--server', t.base, LAYOUT, '--set', 'model.folder=models/shapes2', '--out', join(tmp, 'none')]);
  assert.equal(text.code, 3, text.stderr);
  assert.match(text.stderr, /^Queued on /m);
  assert.match(text.stderr, /E_NO_WORKER_FOR_MODEL/);
  assert.match(text.stderr, /models\/shapes2/);
  noStack(text);
});

test('a graph the server refuses exits 2 with the server\'s issue codes; nothing reaches the worker', { skip }, async () => {
  const linesBefore = worker.lines.length;
  const r = await cones(['run', '--server', t.base, LAYOUT, '--set', 'model.folder=models/no-such-model', '--out', join(tmp, 'refused')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^E_GRAPH_INVALID: The graph has 1 problem\(s\); nothing was queued\./m);
  assert.match(r.stderr, /^E_MODEL_FOLDER_MISSING at node "model" \(LoadModel\) input "folder"/m);
  assert.doesNotMatch(r.stderr, /Queued on/);
  assert.ok(!r.stderr.includes(t.dir), 'no server folder in the messages');
  noStack(r);
  assert.deepEqual((await t.api('/api/queue')).body.pending, [], 'nothing was queued');
  assert.deepEqual(worker.lines.slice(linesBefore).filter((l) => /run \S+ started/.test(l)), [], 'the worker took no run');
});

test('SIGINT interrupts the CLI\'s run on the remote worker: recorded interrupted, exit 130', { skip }, async () => {
  const slow = writeGraph('slow.json', slowGraph(1, 1000)); // 20 s if nobody stops it
  const interrupt = interruptOnFirstProgress();
  const r = await cones(['run', '--server', t.base, slow, '--plugin', TEST_NODES, '--json'], { onStdout: interrupt.onStdout });
  const sent = interrupt.sentAt();
  assert.ok(sent, 'saw progress before interrupting');
  assert.equal(r.code, 130, r.stderr);
  const events = ndjson(r.stdout);
  const runId = events[0].runId as string;
  assert.deepEqual([events.at(-1)!.type, events.at(-1)!.nodeId], ['interrupted', 'slow']);
  assert.ok(events.filter((e) => e.type === 'progress').length < 1000);
  const entry = (await t.api(`/api/history/${runId}`)).body;
  assert.deepEqual([entry.status, entry.interrupted], ['interrupted', { nodeId: 'slow', reason: 'user' }], JSON.stringify(entry));
  await worker.waitForLine(new RegExp(`run ${runId} interrupted`), 5000);
  assert.ok(Date.now() - sent < 5000, `the CLI exited ${Date.now() - sent} ms after SIGINT`);
});

test('SIGINT while the run waits behind another: taken back from Redis, never executed, exit 130', { skip }, async () => {
  const post = async (graph: unknown): Promise<string> => {
    const res = await t.api('/api/runs', { method: 'POST', json: { graph } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.runId as string;
  };
  const busy = await post(slowGraph(2, 500)); // 10 s on the worker unless interrupted
  const waiting = writeGraph('waiting.json', slowGraph(3, 1));
  let runId = '';
  const r = await cones(['run', '--server', t.base, waiting, '--plugin', TEST_NODES], {
    onStderr: (all, child) => {
      if (!runId && /^Queued on .*\(1 run\(s\) ahead\)\.$/m.test(all)) {
        runId = queuedRunId(all);
        child.kill('SIGINT');
      }
    },
  });
  assert.ok(runId, `queued behind the busy run: ${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  // Interrupting a farm run no worker has taken withdraws it from Redis: recorded as removed, never started, as
  // without --redis (where the CLI falls back to DELETE /api/queue).
  const entry = (await t.api(`/api/history/${runId}`)).body;
  assert.deepEqual([entry.status, entry.interrupted, entry.startedAt], ['interrupted', { reason: 'removed' }, undefined], JSON.stringify(entry));
  // The worker moves on past where the run waited: the busy run, then a later one; it never starts the interrupted one.
  await t.api('/api/interrupt', { method: 'POST', json: { runId: busy } });
  await worker.waitForLine(new RegExp(`run ${busy} interrupted`), 5000);
  const later = await post(slowGraph(4, 1));
  await worker.waitForLine(new RegExp(`run ${later} ok`), 10_000);
  assert.ok(!startedOnWorker(runId), `the worker never started the interrupted run: ${worker.lines.join('\n')}`);
  assert.deepEqual((await t.api('/api/queue')).body.pending, []);
});
