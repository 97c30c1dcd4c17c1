/**
 * Worker scratch folders (server/farm/scratch.ts): a dead worker's folder is removed by the next worker of the host,
 * and nothing else is: not a live worker's, not another host's, not what a link in or named like one points to.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createScratch, pidRunning, scratchHost, STALE_MS, sweepScratch, touchScratch } from '../../../server/farm/scratch';
import { NO_REDIS, requireRedisInCi, startRedis } from '../../helpers/redis';
import { scratchDir } from '../../helpers/scratch';
import { startWorker, stopWorker, type TestWorker } from './farm-helpers';

requireRedisInCi();

/** The pid of a process that has exited (reaped: kill(pid, 0) gives ESRCH). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  assert.ok(pid > 0 && !pidRunning(pid), 'the child exited');
  return pid;
}

const age = (path: string, ms: number) => {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
};

/** A worker folder as a worker leaves it: model links and a run's output files. */
function workerFolder(parent: string, name: string, modelsDir: string): string {
  const dir = join(parent, name);
  mkdirSync(join(dir, 'm0'), { recursive: true });
  symlinkSync(modelsDir, join(dir, 'm0', 'models'), 'dir');
  mkdirSync(join(dir, 'out', 'run1'), { recursive: true });
  writeFileSync(join(dir, 'out', 'run1', 'img.png'), 'png');
  age(dir, 2 * STALE_MS);
  return dir;
}

test('sweepScratch removes only stale folders of dead workers of this host, and follows no link', () => {
  const parent = scratchDir('sweep');
  const outside = scratchDir('sweep-outside');
  const models = join(outside, 'models');
  mkdirSync(join(models, 'shapes'), { recursive: true });
  writeFileSync(join(models, 'shapes', 'unet.onnx'), 'weights');
  const victim = join(outside, 'victim');
  mkdirSync(victim);
  writeFileSync(join(victim, 'keep.txt'), 'not a worker folder');
  const host = scratchHost();
  const dead = deadPid();

  const deadOne = workerFolder(parent, `cones-worker-${host}-${dead}-abc123`, models);
  const live = workerFolder(parent, `cones-worker-${host}-${process.ppid}-abc123`, models);
  const self = workerFolder(parent, `cones-worker-${host}-${process.pid}-abc123`, models);
  const fresh = workerFolder(parent, `cones-worker-${host}-${dead}-fresh1`, models);
  age(fresh, 1000);
  const otherHost = workerFolder(parent, `cones-worker-${host}x-${dead}-abc123`, models);
  const oldStyle = workerFolder(parent, 'cones-worker-ab12CD', models);
  const badSuffix = workerFolder(parent, `cones-worker-${host}-${dead}-abc1234`, models);
  // Named like a dead worker's folder, but a link to someone else's folder, and a plain file.
  const link = join(parent, `cones-worker-${host}-${dead}-link12`);
  symlinkSync(victim, link, 'dir');
  const file = join(parent, `cones-worker-${host}-${dead}-file12`);
  writeFileSync(file, 'not a folder');
  age(file, 2 * STALE_MS);

  const removed = sweepScratch(parent);
  assert.deepEqual(removed, [`cones-worker-${host}-${dead}-abc123`]);
  assert.equal(existsSync(deadOne), false);
  for (const kept of [live, self, fresh, otherHost, oldStyle, badSuffix, link, file]) assert.ok(existsSync(kept), kept);
  // What the removed folder's link pointed to, and what the link named like a folder points to, are untouched.
  assert.ok(existsSync(join(models, 'shapes', 'unet.onnx')));
  assert.deepEqual(readdirSync(victim), ['keep.txt']);
  // Swept again: nothing more goes.
  assert.deepEqual(sweepScratch(parent), []);
  // A missing parent is no error.
  assert.deepEqual(sweepScratch(join(parent, 'absent')), []);
});

test('createScratch names the folder after this host and pid; touchScratch renews its time stamp', () => {
  const parent = scratchDir('sweep-own');
  const dir = createScratch(parent);
  const name = dir.slice(parent.length + 1);
  assert.match(name, new RegExp(`^cones-worker-${scratchHost().replace(/\./g, '\\.')}-${process.pid}-[A-Za-z0-9]{6}$`));
  age(dir, 2 * STALE_MS);
  touchScratch(dir);
  assert.ok(Date.now() - statSync(dir).mtimeMs < STALE_MS / 2, 'renewed');
  touchScratch(join(parent, 'gone')); // a folder removed under a worker is no error
});

test('scratchHost keeps folder names plain whatever the host name holds', () => {
  assert.equal(scratchHost('build-01.example'), 'build-01.example');
  assert.equal(scratchHost('a/../b c'), 'a_.._b_c');
  assert.equal(scratchHost(''), 'host');
});

test('a SIGKILLed worker leaves its folder; the next worker of the host removes it; SIGTERM removes its own', { skip: NO_REDIS }, async () => {
  const redis = await startRedis();
  const tmp = scratchDir('worker-tmp');
  const list = () => readdirSync(tmp).filter((n) => n.startsWith('cones-worker-')).sort();
  const started: TestWorker[] = [];
  const start = async () => {
    const w = await startWorker(redis.url, [], { TMPDIR: tmp });
    started.push(w);
    return w;
  };
  try {
    const a = await start();
    const [aFolder] = list();
    assert.match(aFolder, new RegExp(`-${a.child.pid}-[A-Za-z0-9]{6}$`));
    a.child.kill('SIGKILL');
    await a.exited;
    assert.deepEqual(list(), [aFolder], 'SIGKILL leaves it');
    // A worker started at once leaves it too: its time stamp is fresh, as a live worker's would be.
    const b = await start();
    assert.equal(list().length, 2);
    assert.ok(!b.lines.some((l) => l.includes('removed the scratch')));
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0);
    assert.deepEqual(list(), [aFolder], 'a graceful stop removes its own folder');
    // Once it is stale (no heartbeat renewed it for STALE_MS), the next worker removes it.
    age(join(tmp, aFolder), 2 * STALE_MS);
    const c = await start();
    assert.ok(c.lines.some((l) => l.includes(`removed the scratch folders of 1 worker(s) of this host no longer running: ${aFolder}`)), c.lines.join('\n'));
    assert.equal(list().length, 1);
    assert.notEqual(list()[0], aFolder);
    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0);
    assert.deepEqual(list(), []);
  } finally {
    await Promise.all(started.map(stopWorker));
    await redis.stop();
  }
});
