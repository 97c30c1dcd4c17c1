import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RESIDUAL_FORMAT, checkResidualWidth, encodeResidualSafetensors, readResidual, writeResidualSafetensors,
} from '../../../diffusion/residuals/residual';
import { parseSafetensors, serializeSafetensors } from '../../../diffusion/residuals/safetensors';
import { mulberry32 } from '../../../eval/random';
import { fixturePath, referencePath, referenceSkip } from '../../helpers/paths';
import { codeOf, float32Bytes, rawSafetensors } from './fixtures';

/** 1024-wide .pt residuals in the reference trainer's layout: the project's torch.save fixture, and a real one. */
const PT_1024 = [
  { name: 'reference_layout.pt', path: fixturePath('residuals', 'reference_layout.pt'), skip: false },
  { name: 'dog_colabv2.pt', path: referencePath('cones2-student', 'residuals', 'dog_colabv2.pt'), skip: referenceSkip },
] as const;

test('write then read a residual: exact values and metadata', async () => {
  const vector = Float32Array.from({ length: 768 }, (_, i) => Math.sin(i) * 3);
  const dir = mkdtempSync(join(tmpdir(), 'residual-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'dog.safetensors');
  const recipe = { steps: 4000, lr: 5e-6, templates: 27 };
  await writeResidualSafetensors(path, { vector, baseWord: 'dog', model: 'sd-1.5', recipe, metadata: { note: 'test' } });
  const r = readResidual(path);
  assert.equal(r.source, 'safetensors');
  assert.deepEqual(r.vector, vector);
  assert.equal(r.width, 768);
  assert.equal(r.baseWord, 'dog');
  assert.equal(r.model, 'sd-1.5');
  assert.deepEqual(r.recipe, recipe);
  assert.deepEqual(r.metadata, {
    note: 'test', format: RESIDUAL_FORMAT, width: '768', base_word: 'dog', model: 'sd-1.5', recipe: JSON.stringify(recipe),
  });
  // Layout as the format description fixes it: u64 LE header length, JSON header, F32 [1, 768] at offsets 0..3072.
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0, 'data section 8-byte aligned');
  assert.deepEqual(JSON.parse(bytes.subarray(8, 8 + n).toString()).residual, { dtype: 'F32', shape: [1, 768], data_offsets: [0, 3072] });
  assert.equal(bytes.length, 8 + n + 3072);
});

for (const { name, path, skip } of PT_1024) {
  test(`a reference-layout .pt (${name}) converts to safetensors losslessly`, { skip }, () => {
    const pt = readResidual(path);
    const back = readResidual(encodeResidualSafetensors({ vector: pt.vector, baseWord: 'dog', model: 'stabilityai/stable-diffusion-2-1' }));
    assert.deepEqual(back.vector, pt.vector);
    assert.equal(back.width, 1024);
  });
}

test('F16, BF16 and [D]-shaped tensors are read as float32', () => {
  // fp16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF (max), 2^-24 = 0x0001 (smallest subnormal).
  const f16 = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00]);
  const r16 = readResidual(rawSafetensors({ residual: { dtype: 'F16', shape: [1, 4], data_offsets: [0, 8] } }, f16));
  assert.deepEqual([...r16.vector], [1, -2, 65504, 2 ** -24]);
  // bf16: 1.0 = 0x3F80, -2.5 = 0xC020, 0x4049 = 3.140625 (pi truncated to 8 mantissa bits).
  const bf16 = Uint8Array.from([0x80, 0x3f, 0x20, 0xc0, 0x49, 0x40]);
  const rb = readResidual(rawSafetensors({ residual: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, bf16));
  assert.deepEqual([...rb.vector], [1, -2.5, 3.140625]);
  assert.equal(rb.width, 3);
});

test('wrong shapes, several tensors and non-float dtypes are coded errors', () => {
  const four = float32Bytes([1, 2, 3, 4]);
  const matrix = serializeSafetensors([{ name: 'residual', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]);
  assert.equal(codeOf(() => readResidual(matrix)), 'E_RESIDUAL_SHAPE');
  const two = serializeSafetensors([
    { name: 'a', shape: [2], data: Float32Array.from([1, 2]) }, { name: 'b', shape: [2], data: Float32Array.from([3, 4]) },
  ]);
  assert.equal(codeOf(() => readResidual(two)), 'E_RESIDUAL_SHAPE');
  assert.equal(codeOf(() => readResidual(serializeSafetensors([]))), 'E_RESIDUAL_SHAPE');
  const int32 = rawSafetensors({ residual: { dtype: 'I32', shape: [4], data_offsets: [0, 16] } }, four);
  assert.equal(codeOf(() => readResidual(int32)), 'E_RESIDUAL_FORMAT');
  const wrongWidth = rawSafetensors({
    residual: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, __metadata__: { width: '768' },
  }, four);
  assert.equal(codeOf(() => readResidual(wrongWidth)), 'E_RESIDUAL_CORRUPT');
});

test('headers that lie, truncation, random bytes and missing files are coded errors, never crashes', () => {
  const four = float32Bytes([1, 2, 3, 4]);
  const lies: unknown[] = [
    { residual: { dtype: 'F32', shape: [4], data_offsets: [0, 32] } }, // past the end
    { residual: { dtype: 'F32', shape: [8], data_offsets: [0, 16] } }, // shape needs more bytes
    { residual: { dtype: 'F32', shape: [3], data_offsets: [4, 16] } }, // hole at the start
    { residual: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, // trailing bytes nobody owns
    { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, // overlap
    { residual: { dtype: 'F32', shape: [4], data_offsets: [16, 0] } },
    { residual: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } },
    { residual: 'F32' },
    { residual: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, __metadata__: { width: 4 } },
  ];
  for (const header of lies) {
    assert.equal(codeOf(() => readResidual(rawSafetensors(header, four))), 'E_RESIDUAL_CORRUPT', JSON.stringify(header));
  }
  const good = encodeResidualSafetensors({ vector: Float32Array.from([1, 2, 3, 4]), baseWord: 'cat' });
  for (let n = 0; n < good.length; n++) {
    const code = codeOf(() => readResidual(good.subarray(0, n)));
    assert.ok(code === 'E_RESIDUAL_CORRUPT' || code === 'E_RESIDUAL_FORMAT', `prefix ${n}: ${code}`);
  }
  const huge = Uint8Array.from([...good]);
  new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
  assert.equal(codeOf(() => readResidual(huge)), 'E_RESIDUAL_FORMAT', 'an absurd header length is not safetensors');
  const rng = mulberry32(12345);
  const random = Uint8Array.from({ length: 4846 }, () => rng.int(256));
  assert.equal(codeOf(() => readResidual(random)), 'E_RESIDUAL_FORMAT');
  assert.equal(codeOf(() => readResidual(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]))), 'E_RESIDUAL_FORMAT');
  assert.equal(codeOf(() => readResidual('/nonexistent/dog.safetensors')), 'E_RESIDUAL_NOT_FOUND');
  assert.equal(codeOf(() => readResidual(tmpdir())), 'E_RESIDUAL_NOT_FOUND', 'a directory is not a residual');
  assert.throws(() => parseSafetensors(rawSafetensors({ x: 1 }, new Uint8Array(0)), 'x'), { code: 'E_RESIDUAL_CORRUPT' });
});

for (const { name, path, skip } of PT_1024) {
  test(`checkResidualWidth explains a model mismatch (${name})`, { skip }, () => {
    const r = readResidual(path);
    assert.doesNotThrow(() => checkResidualWidth(r, 1024, { model: 'sd-2.1' }));
    assert.throws(() => checkResidualWidth(r, 128, { model: 'shapes-tiny', residual: name }), (err: any) => {
      assert.equal(err.code, 'E_RESIDUAL_WIDTH');
      const expected = `Expected a residual of width 128 for model shapes-tiny but received 1024 (trained for SD 2.x?) from ${name}.`;
      assert.ok(err.message.startsWith(expected), err.message);
      return true;
    });
  });
}
