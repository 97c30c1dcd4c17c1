import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceSession, Tensor } from '../../../diffusion/onnx/ort';
import { toHalfBits } from '../../../diffusion/half-precision';
import { inputSpec, inputSpecs, makeTensor } from '../../../diffusion/onnx/input-meta';
import { exporterInputsModel } from './helpers/tiny-models';

const session = await InferenceSession.create(exporterInputsModel());

test('inputSpecs reads dtype, rank and symbolic dims from onnxruntime-node 1.30 metadata', () => {
  const specs = inputSpecs(session);
  assert.deepEqual(specs.get('ids32'), { name: 'ids32', dtype: 'int32', rank: 2, shape: ['batch', 'seq'] });
  assert.equal(specs.get('ids64')!.dtype, 'int64');
  assert.deepEqual(specs.get('t_scalar'), { name: 't_scalar', dtype: 'float32', rank: 0, shape: [] });
  assert.deepEqual(specs.get('t_vec'), { name: 't_vec', dtype: 'int64', rank: 1, shape: ['steps'] });
  assert.deepEqual(specs.get('half')!.shape, [2]);
});

test('makeTensor builds each dtype the exporters use, and ORT accepts every one', async () => {
  const feeds = {
    ids32: makeTensor(inputSpec(session, 'ids32'), [49406, 320, 49407], [1, 3]),
    ids64: makeTensor(inputSpec(session, 'ids64'), [49406, 320, 49407], [1, 3]),
    t_scalar: makeTensor(inputSpec(session, 't_scalar'), [999], []),
    t_vec: makeTensor(inputSpec(session, 't_vec'), [999, 981], [2]),
    half: makeTensor(inputSpec(session, 'half'), [1.5, -0.25], [2]),
  };
  assert.ok(feeds.ids64.data instanceof BigInt64Array);
  assert.ok(feeds.ids32.data instanceof Int32Array);
  assert.deepEqual(feeds.t_scalar.dims, []);
  // bool is not something makeTensor feeds; ORT still needs every input.
  const flag = new Tensor('bool', Uint8Array.from([1]), [1]);
  const out = await session.run({ ...feeds, flag });
  assert.deepEqual(Array.from(out.ids64_f.data as Float32Array), [49406, 320, 49407]);
  assert.deepEqual(Array.from(out.t_scalar_f.data as Float32Array), [999]);
  assert.deepEqual(out.t_scalar_f.dims, []);
  assert.deepEqual(Array.from(out.half_f.data as Float32Array), [1.5, -0.25]); // exact in binary16
});

test('makeTensor rejects dtypes it cannot feed (E_ONNX_DTYPE) and mismatched sizes or ranks (E_ONNX_INPUT)', () => {
  assert.throws(() => makeTensor(inputSpec(session, 'flag'), [1], [1]), { code: 'E_ONNX_DTYPE' });
  assert.throws(() => makeTensor(inputSpec(session, 'ids64'), [1, 2, 3], [1, 2]), { code: 'E_ONNX_INPUT' });
  assert.throws(() => makeTensor(inputSpec(session, 't_scalar'), [1], [1]), { code: 'E_ONNX_INPUT', message: /dims \[\]/ });
  assert.throws(() => inputSpec(session, 'timestep'), { code: 'E_ONNX_INPUT' });
});

test('toHalfBits matches IEEE 754 binary16 encodings', () => {
  // Golden bit patterns from the binary16 definition (IEEE 754-2008, table 3.5 parameters).
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00], // 65520 rounds up to inf
    [2 ** -24, 0x0001], [2 ** -26, 0x0000], [6.1035156e-5, 0x0400], [Infinity, 0x7c00], [-0, 0x8000],
  ];
  const bits = toHalfBits(cases.map(([v]) => v));
  cases.forEach(([v, expected], i) => assert.equal(bits[i], expected, `value ${v}`));
  assert.equal(toHalfBits([NaN])[0] & 0x7c00, 0x7c00);
});
