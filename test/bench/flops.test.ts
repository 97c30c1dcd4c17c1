import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convFlops, countFlops, kernelFlops, matmulFlops, modelRuns, type KernelEvent } from '../../bench/flops';

const kernel = (op: string, inputs: number[][], output: number[], ts = 0, dur = 10): KernelEvent & { cat: string; ts: number } => ({
  cat: 'Node', name: `${op}_kernel_time`, ts, dur,
  args: { op_name: op, input_type_shape: inputs.map((d) => ({ float: d })), output_type_shape: [{ float: output }] },
});

test('a 3x3 convolution: 2 * |Y| * C_in * 9 (by hand: 2 * (1*8*4*4) * 3 * 9 = 6912)', () => {
  assert.equal(convFlops([8, 3, 3, 3], [1, 8, 4, 4]), 6912);
  // grouped (depthwise) convolution: the weight carries C_in / group = 1
  assert.equal(kernelFlops(kernel('Conv', [[1, 8, 4, 4], [8, 1, 3, 3]], [1, 8, 4, 4])), 2 * 128 * 9);
});

test('matmul: K from A, also when A is transposed or B is pre-packed and missing from the trace', () => {
  assert.equal(matmulFlops([2, 5, 7], [2, 5, 3]), 2 * 30 * 7); // A [.., m=5, K=7]
  assert.equal(matmulFlops([2, 7, 5], [2, 5, 3]), 2 * 30 * 7); // A transposed: [.., K=7, m=5]
  assert.equal(kernelFlops(kernel('MatMul', [[2, 256, 64]], [2, 256, 128])), 2 * 2 * 256 * 128 * 64);
  assert.equal(kernelFlops(kernel('Gemm', [[2, 64], [256]], [2, 256])), 2 * 2 * 256 * 64);
});

test('other kernels count 0; a conv without a weight shape is reported as uncounted', () => {
  assert.equal(kernelFlops(kernel('Softmax', [[2, 4]], [2, 4])), 0);
  const events = [
    kernel('Conv', [[1, 3, 4, 4], [8, 3, 3, 3]], [1, 8, 4, 4], 100, 30),
    kernel('Conv', [[1, 3, 4, 4]], [1, 8, 4, 4], 110, 5),
    kernel('Add', [[1, 8, 4, 4]], [1, 8, 4, 4], 120, 5),
    kernel('MatMul', [[4, 4]], [4, 4], 500, 10),
    { cat: 'Session', name: 'model_run', ts: 90, dur: 100 },
    { cat: 'Session', name: 'model_run', ts: 400, dur: 200 },
  ];
  const first = countFlops(events, { fromTs: 90, toTs: 190 });
  assert.equal(first.total, 6912);
  assert.deepEqual(first.byOp, { Conv: 6912 });
  assert.equal(first.uncounted.length, 1);
  assert.equal(first.kernels, 3);
  assert.equal(first.countedMicros, 30);
  assert.equal(first.allMicros, 40);
  assert.deepEqual(modelRuns(events), [{ ts: 90, dur: 100 }, { ts: 400, dur: 200 }]);
  assert.equal(countFlops(events, { fromTs: 400, toTs: 600 }).total, 2 * 16 * 4);
});
