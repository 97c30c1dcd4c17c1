import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { clearSessionCache, sessionCacheSize } from '../../../diffusion/onnx/session-cache';
import { cpuThreadOptions, createSession } from '../../../diffusion/onnx/session';
import { Tensor } from '../../../diffusion/onnx/ort';
import { tempDir, writeAddOneModel } from './helpers/tiny-models';

const dir = tempDir('session');
const modelPath = join(dir, 'model.onnx');
writeAddOneModel(modelPath);
after(() => rmSync(dir, { recursive: true, force: true }));

test('a missing model file is E_MODEL_FILE_MISSING naming the path and the SD folder layout', async () => {
  const missing = join(dir, 'unet', 'model.onnx');
  await assert.rejects(createSession(missing), (err: any) => {
    assert.equal(err.code, 'E_MODEL_FILE_MISSING');
    assert.match(err.message, /unet\/model\.onnx/);
    assert.match(err.message, /vae_decoder\/model\.onnx/);
    return true;
  });
});

test('a file that is not ONNX is E_ONNX_LOAD', async () => {
  const bad = join(dir, 'garbage.onnx');
  writeFileSync(bad, 'this is not a protobuf');
  await assert.rejects(createSession(bad), (err: any) => err.code === 'E_ONNX_LOAD' && err.message.includes(bad));
});

test("'cpu' runs on CPU without warnings and the session computes", async () => {
  const warnings: string[] = [];
  const loaded = await createSession(modelPath, { provider: 'cpu', onWarning: (m) => warnings.push(m) });
  assert.equal(loaded.provider, 'cpu');
  assert.deepEqual(warnings, []);
  const out = await loaded.session.run({ x: new Tensor('float32', Float32Array.from([1, 2]), [2]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [2, 3]);
});

// This machine has no GPU and the npm package ships no CUDA provider libraries, so 'auto' and 'cuda'
// must end on CPU and say why. The CUDA success path itself is untested here.
for (const provider of ['auto', 'cuda'] as const) {
  test(`'${provider}' falls back to CPU with a warning that explains how to get CUDA`, async () => {
    const warnings: string[] = [];
    const loaded = await createSession(modelPath, { provider, onWarning: (m) => warnings.push(m) });
    assert.equal(loaded.provider, 'cpu');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^CUDA execution provider unavailable \(.+\); running on CPU\. To use CUDA: copy/);
    // A cache hit must warn again: the second caller also asked for CUDA.
    const again: string[] = [];
    await createSession(modelPath, { provider, onWarning: (m) => again.push(m) });
    assert.equal(again.length, 1);
  });
}

test('the cache reuses a session for the same file and options, and reopens when the file changes', async () => {
  await clearSessionCache();
  const a = await createSession(modelPath);
  const b = await createSession(modelPath);
  assert.equal(a.session, b.session);
  const other = await createSession(modelPath, { graphOptimizationLevel: 'basic' });
  assert.notEqual(other.session, a.session);
  assert.equal(sessionCacheSize(), 2);

  writeAddOneModel(modelPath, 10);
  utimesSync(modelPath, new Date(), new Date(Date.now() + 5000)); // make sure the mtime moves
  const fresh = await createSession(modelPath);
  assert.notEqual(fresh.session, a.session);
  const out = await fresh.session.run({ x: new Tensor('float32', Float32Array.from([1]), [1]) });
  assert.equal((out.y.data as Float32Array)[0], 11);
  await clearSessionCache();
  assert.equal(sessionCacheSize(), 0);
});

test('CPU sessions use one intra-op thread per core unless CONES_CPU_THREADS says otherwise', () => {
  assert.deepEqual(cpuThreadOptions({}), { intraOpNumThreads: availableParallelism() });
  assert.deepEqual(cpuThreadOptions({ CONES_CPU_THREADS: '3' }), { intraOpNumThreads: 3 });
  assert.deepEqual(cpuThreadOptions({ CONES_CPU_THREADS: '0' }), {}, '0 leaves onnxruntime its own default');
  for (const bad of ['two', '-1', '1.5']) {
    assert.throws(
      () => cpuThreadOptions({ CONES_CPU_THREADS: bad }),
      (err: any) => err.code === 'E_CPU_THREADS' && err.message.includes(bad),
    );
  }
});

test("memory 'lean' (memory pattern off) is its own session in the cache and computes the same", async () => {
  const path = join(dir, 'lean.onnx'); // its own file: an earlier test rewrites model.onnx
  writeAddOneModel(path);
  const plain = await createSession(path, {});
  const lean = await createSession(path, { memory: 'lean' });
  assert.notEqual(lean.session, plain.session, 'the memory setting is part of the session cache key');
  assert.equal(await createSession(path, { memory: 'lean' }), lean);
  const feeds = { x: new Tensor('float32', Float32Array.from([1, 2]), [2]) };
  for (const loaded of [plain, lean]) {
    const out = await loaded.session.run(feeds);
    assert.deepEqual(Array.from(out.y.data as Float32Array), [2, 3]);
  }
});
