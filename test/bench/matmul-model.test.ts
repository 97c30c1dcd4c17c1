import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InferenceSession, Tensor } from '../../diffusion/onnx/ort';
import { matmulPeakFlops, writeMatmulModel } from '../../bench/onnx/matmul-model';

test('the peak model computes A @ B; an n x n x n product is 2 n^3 FLOPs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cones-bench-test-'));
  try {
    const path = join(dir, 'matmul.onnx');
    writeMatmulModel(path, 2);
    const session = await InferenceSession.create(path);
    const a = new Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const b = new Tensor('float32', Float32Array.from([5, 6, 7, 8]), [2, 2]);
    const out = await session.run({ a, b });
    assert.deepEqual(Array.from(out.c.data as Float32Array), [19, 22, 43, 50]);
    await session.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(matmulPeakFlops(2048), 2 * 2048 ** 3);
});
