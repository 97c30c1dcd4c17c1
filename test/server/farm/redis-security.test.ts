/**
 * Issue 25, security: a farm on a Redis with a password (`requirepass`) and on one serving TLS only (rediss://, a
 * private CA). Real redis-server, a real server process and `cones worker` processes run a graph of the embedded
 * model; a wrong or missing password, and a certificate nobody trusts, stop the server and the worker at once with a
 * coded error instead of retrying forever. Skipped with the reason when redis-server (or openssl) is missing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, NO_REDIS, requireRedisInCi, startRedis } from '../../helpers/redis';
import { scratchDir } from '../../helpers/scratch';
import { connectWs, startTestServer } from '../helpers';
import { recordedTimes, shapesGraph, startWorker, stopWorker, workerExit, type TestWorker } from './farm-helpers';
import { killServer, startServerProcess, type ServerProcess } from './server-process';
import { makeTestCerts, NO_OPENSSL } from './tls-certs';

requireRedisInCi();
if (NO_OPENSSL && !NO_REDIS && process.env.CI === 'true') {
  test('openssl is installed (required under CI=true)', () => {
    throw new Error(NO_OPENSSL as string);
  });
}

const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const WRONG = `wrong-${randomBytes(12).toString('hex')}`;
const PNG = [0x89, 0x50, 0x4e, 0x47];

/** One run of the embedded model through the farm: ok, recorded once, its PNG served. */
async function runsOnce(s: ServerProcess, dataDir: string, worker: TestWorker, seed: number): Promise<void> {
  const ws = await connectWs(s.url);
  try {
    const res = await s.api('/api/runs', { method: 'POST', json: { graph: shapesGraph(seed) } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const runId = res.body.runId as string;
    const end = await ws.waitFor((m) => m.runId === runId && ['run_done', 'run_error', 'interrupted'].includes(m.type), 30_000);
    assert.equal(end.type, 'run_done', JSON.stringify(end));
    await worker.waitForLine(new RegExp(`run ${runId} ok`), 5000);
    assert.equal(recordedTimes(dataDir).get(runId), 1, 'recorded once in history.jsonl');
    const entry = (await s.api(`/api/history/${runId}`)).body;
    assert.equal(entry.status, 'ok');
    const png = entry.files.find((f: string) => f.endsWith('.png'));
    const file = await fetch(s.url + png);
    assert.equal(file.status, 200, `${png} is served`);
    assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).slice(0, 4)], PNG);
  } finally {
    ws.close();
  }
}

/** Neither the server's output, the worker's, nor GET /api/health shows the password; the URL is printed redacted. */
async function passwordNeverShown(s: ServerProcess, worker: TestWorker): Promise<void> {
  // The server reads the workers' adverts once a second: a run can finish before the first read lists its worker.
  let health = await s.api('/api/health');
  for (const deadline = Date.now() + 5000; !health.body.farm.workers.length && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
    health = await s.api('/api/health');
  }
  assert.equal(health.body.farm.redis, 'connected');
  assert.deepEqual(health.body.farm.workers.map((w: { workerId: string }) => w.workerId), [worker.id]);
  for (const [what, text] of [['/api/health', JSON.stringify(health.body)], ['the server\'s output', s.output()],
    ['the worker\'s output', `${worker.lines.join('\n')}\n${worker.stderr()}`]]) {
    assert.ok(!text.includes(PASSWORD), `${what} shows the password:\n${text}`);
  }
  assert.match(worker.lines.join('\n'), /ready on rediss?:\/\/:\*\*\*@/);
  // Redis runs without AOF here: the server warns, naming Redis by its redacted URL.
  assert.match(s.output(), /warning: Redis at rediss?:\/\/:\*\*\*@/);
}

test('a password in the URL: a server and a worker run a graph; the password is never printed', { skip: NO_REDIS }, async () => {
  const redis = await startRedis({ password: PASSWORD });
  const dataDir = join(scratchDir('server-password'), 'data');
  let server: ServerProcess | undefined;
  let worker: TestWorker | undefined;
  try {
    server = await startServerProcess(dataDir, redis.url);
    worker = await startWorker(redis.url);
    await runsOnce(server, dataDir, worker, 11);
    await passwordNeverShown(server, worker);
  } finally {
    if (server) await killServer(server);
    if (worker) await stopWorker(worker);
    await redis.stop();
  }
});

test('a wrong or missing password stops the server and the worker at once with E_REDIS_AUTH', { skip: NO_REDIS }, async () => {
  const redis = await startRedis({ password: PASSWORD });
  const urls = { wrong: redis.url.replace(PASSWORD, WRONG), missing: `redis://127.0.0.1:${redis.port}` };
  try {
    const workers = Promise.all(Object.values(urls).map((url) => workerExit(url)));
    for (const [what, url] of Object.entries(urls)) {
      const t0 = performance.now();
      await assert.rejects(startTestServer(undefined, { redisUrl: url }), (err: any) => {
        assert.equal(err.code, 'E_REDIS_AUTH', err.message);
        assert.match(err.message, what === 'wrong' ? /WRONGPASS/ : /NOAUTH/);
        assert.match(err.hint, /redis:\/\/:PASSWORD@host:port/);
        assert.ok(!err.message.includes(WRONG), 'the message does not show the password');
        return true;
      });
      assert.ok(performance.now() - t0 < 3000, `${what}: startServer failed after ${(performance.now() - t0).toFixed(0)} ms`);
    }
    for (const [i, exit] of (await workers).entries()) {
      const what = Object.keys(urls)[i];
      assert.equal(exit.code, 2, `${what}: the worker exits 2 (it did not hang): ${exit.stderr}`);
      assert.match(exit.stderr, /^E_REDIS_AUTH: cannot start the worker: Redis at redis:\/\/(:\*\*\*@)?127\.0\.0\.1:\d+ refused/m);
      assert.match(exit.stderr, /redis:\/\/:PASSWORD@host:port/);
      assert.ok(!exit.stderr.includes(WRONG) && !exit.stdout.includes(WRONG), 'the password is not printed');
      assert.ok(exit.ms < 15_000, `${what}: the worker exited after ${exit.ms.toFixed(0)} ms`);
      console.log(`# ${what} password: worker exited ${exit.code} after ${exit.ms.toFixed(0)} ms`);
    }
  } finally {
    await redis.stop();
  }

  // A Redis that is merely down is not refused at start: the server starts and answers 503 E_REDIS_UNAVAILABLE.
  const t = await startTestServer(undefined, { redisUrl: `redis://127.0.0.1:${await freePort()}` });
  try {
    const res = await t.api('/api/runs', { method: 'POST', json: { graph: shapesGraph(1) } });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'E_REDIS_UNAVAILABLE');
  } finally {
    await t.server.close();
  }
});

test('rediss:// with a private CA: a graph runs over TLS; an untrusted certificate stops with E_REDIS_TLS', { skip: NO_REDIS || NO_OPENSSL }, async () => {
  const certs = makeTestCerts();
  const redis = await startRedis({ password: PASSWORD, tls: certs });
  assert.match(redis.url, /^rediss:\/\/:[^@]+@localhost:\d+$/);
  const dataDir = join(scratchDir('server-tls'), 'data');
  const savedCa = process.env.CONES_REDIS_CA;
  let server: ServerProcess | undefined;
  let worker: TestWorker | undefined;
  try {
    // Nobody trusts the CA: the worker and an in-process server stop at once.
    const untrusted = workerExit(redis.url, { CONES_REDIS_CA: undefined, NODE_EXTRA_CA_CERTS: undefined });
    delete process.env.CONES_REDIS_CA;
    const t0 = performance.now();
    await assert.rejects(startTestServer(undefined, { redisUrl: redis.url }), (err: any) => {
      assert.equal(err.code, 'E_REDIS_TLS', err.message);
      assert.match(err.message, /certificate of Redis at rediss:\/\/:\*\*\*@localhost:\d+ is not trusted/);
      assert.match(err.hint, /CONES_REDIS_CA=/);
      return true;
    });
    assert.ok(performance.now() - t0 < 3000, `startServer failed after ${(performance.now() - t0).toFixed(0)} ms`);
    // A CA file that cannot be read is named, not ignored.
    process.env.CONES_REDIS_CA = join(certs.ca, '..', 'missing.crt');
    await assert.rejects(startTestServer(undefined, { redisUrl: redis.url }), (err: any) => {
      assert.equal(err.code, 'E_REDIS_TLS', err.message);
      assert.match(err.message, /missing\.crt cannot be read \(ENOENT\)/);
      return true;
    });
    const exit = await untrusted;
    assert.equal(exit.code, 2, `the worker exits 2 (it did not hang): ${exit.stderr}`);
    assert.match(exit.stderr, /^E_REDIS_TLS: cannot start the worker: The TLS certificate of Redis at rediss:\/\/:\*\*\*@localhost:\d+ is not trusted/m);
    assert.ok(exit.ms < 15_000, `the worker exited after ${exit.ms.toFixed(0)} ms`);
    console.log(`# untrusted certificate: worker exited ${exit.code} after ${exit.ms.toFixed(0)} ms`);

    // The server trusts the CA through CONES_REDIS_CA, the worker through Node's NODE_EXTRA_CA_CERTS.
    server = await startServerProcess(dataDir, redis.url, { CONES_REDIS_CA: certs.ca });
    worker = await startWorker(redis.url, [], { CONES_REDIS_CA: undefined, NODE_EXTRA_CA_CERTS: certs.ca });
    await runsOnce(server, dataDir, worker, 12);
    await passwordNeverShown(server, worker);
  } finally {
    if (savedCa === undefined) delete process.env.CONES_REDIS_CA;
    else process.env.CONES_REDIS_CA = savedCa;
    if (server) await killServer(server);
    if (worker) await stopWorker(worker);
    await redis.stop();
  }
});
