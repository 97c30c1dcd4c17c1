import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readResidual } from '../../../diffusion/residuals/residual';
import { readTorchTensor } from '../../../diffusion/residuals/torch-pt';
import { float32Bytes, tensorPickle, torchArchive, zip } from './fixtures';

const REFERENCE = fileURLToPath(new URL('../../../../shared/reference/cones2-student/residuals/', import.meta.url));
/**
 * L2 norms of the reference residuals, computed independently with Python (zipfile + struct.unpack('<1024f')).
 * Tolerance 1e-3 (float32 accumulation order). method.md says "14 to 30"; pet_cat.pt is in fact 13.86.
 */
const REFERENCE_NORMS: Record<string, number> = {
  'cat2_colabv2.pt': 22.645662,
  'dog6_colabv6.pt': 29.931487,
  'dog_colabv2.pt': 24.844385,
  'flower_colab.pt': 22.740470,
  'pet_cat.pt': 13.856339,
  'vase_colab.pt': 27.148929,
  'watercolor_colab.pt': 16.557279,
  'wearable_glasses_colab.pt': 28.988858,
};

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? `uncoded ${(err as Error).name}: ${(err as Error).message}`;
  }
};

test('all 8 reference .pt residuals load as [1, 1024] float32 with their known norms', () => {
  const files = readdirSync(REFERENCE).filter((f) => f.endsWith('.pt')).sort();
  assert.deepEqual(files, Object.keys(REFERENCE_NORMS).sort());
  for (const f of files) {
    const { ref } = readTorchTensor(readFileSync(REFERENCE + f), f);
    assert.deepEqual([ref.dtype, ref.shape, ref.stride, ref.offset, ref.location], ['F32', [1, 1024], [1024, 1], 0, 'cuda:0'], f);
    const r = readResidual(REFERENCE + f);
    assert.equal(r.source, 'pt');
    assert.equal(r.width, 1024);
    const norm = Math.hypot(...r.vector);
    assert.ok(Math.abs(norm - REFERENCE_NORMS[f]) < 1e-3, `${f}: ${norm}`);
    assert.ok(norm > 13 && norm < 30, f);
  }
  // First and last element of dog_colabv2.pt (Python struct.unpack), exact in float32.
  const dog = readResidual(`${REFERENCE}dog_colabv2.pt`).vector;
  assert.equal(dog[0], Math.fround(0.8350310325622559));
  assert.equal(dog[1023], Math.fround(0.433577299118042));
});

test('another stem, DEFLATE entries, and a strided view are read too', () => {
  const values = Array.from({ length: 6 }, (_, i) => i + 0.5);
  const plain = readResidual(torchArchive(values, [1, 6], { stem: 'my_dog', deflate: true }));
  assert.deepEqual([...plain.vector], values);
  // A [1, 3] view with stride 2 and offset 1 over a 6-element storage: elements 1, 3, 5.
  const strided = zip([
    { name: 'x/data.pkl', data: tensorPickle({ numel: 6, shape: [1, 3], stride: [6, 2], offset: 1 }) },
    { name: 'x/data/0', data: float32Bytes(values) },
  ]);
  assert.deepEqual([...readResidual(strided).vector], [1.5, 3.5, 5.5]);
  const half = zip([
    { name: 'h/data.pkl', data: tensorPickle({ storage: 'HalfStorage', numel: 2, shape: [2] }) },
    { name: 'h/data/0', data: Uint8Array.from([0x00, 0x3c, 0x00, 0xc0]) }, // fp16 1.0, -2.0
  ]);
  assert.deepEqual([...readResidual(half).vector], [1, -2]);
});

test('a zip without data/0, a wrong storage size, a bad view or an unknown opcode are coded errors', () => {
  const pkl = tensorPickle({ numel: 4, shape: [1, 4] });
  assert.equal(codeOf(() => readResidual(zip([{ name: 'a/data.pkl', data: pkl }]))), 'E_RESIDUAL_CORRUPT');
  assert.equal(codeOf(() => readResidual(zip([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data/0', data: float32Bytes([1, 2, 3]) }]))), 'E_RESIDUAL_CORRUPT');
  const outside = tensorPickle({ numel: 4, shape: [1, 4], offset: 2 });
  assert.equal(codeOf(() => readResidual(zip([{ name: 'a/data.pkl', data: outside }, { name: 'a/data/0', data: float32Bytes([1, 2, 3, 4]) }]))), 'E_RESIDUAL_CORRUPT');
  const evil = Uint8Array.from([...pkl.slice(0, -1), 0x69, 0x2e]); // INST: would import and call in Python
  assert.equal(codeOf(() => readResidual(zip([{ name: 'a/data.pkl', data: evil }, { name: 'a/data/0', data: float32Bytes([1, 2, 3, 4]) }]))), 'E_RESIDUAL_FORMAT');
  const intStorage = tensorPickle({ storage: 'IntStorage', numel: 4, shape: [4] });
  assert.equal(codeOf(() => readResidual(zip([{ name: 'a/data.pkl', data: intStorage }, { name: 'a/data/0', data: float32Bytes([1, 2, 3, 4]) }]))), 'E_RESIDUAL_FORMAT');
  assert.equal(codeOf(() => readResidual(zip([{ name: 'readme.txt', data: Buffer.from('hi') }]))), 'E_RESIDUAL_FORMAT');
  assert.equal(codeOf(() => readResidual(torchArchive([1, 2, 3, 4], [2, 2]))), 'E_RESIDUAL_SHAPE');
  assert.equal(codeOf(() => readResidual(torchArchive([1, NaN], [1, 2]))), 'E_RESIDUAL_CORRUPT');
});

test('every truncation and a flipped data byte of a real .pt give a coded error, never a crash', () => {
  const bytes = readFileSync(`${REFERENCE}pet_cat.pt`);
  for (let n = 0; n < bytes.length; n += 7) {
    const code = codeOf(() => readResidual(bytes.subarray(0, n)));
    assert.ok(code === 'E_RESIDUAL_CORRUPT' || code === 'E_RESIDUAL_FORMAT', `prefix ${n}: ${code}`);
  }
  const flipped = Buffer.from(bytes);
  flipped[1000] ^= 0x40; // inside residual/data/0 (bytes 320..4415 of the file)
  assert.equal(codeOf(() => readResidual(flipped)), 'E_RESIDUAL_CORRUPT', 'CRC-32 mismatch');
});
