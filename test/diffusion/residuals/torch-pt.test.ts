import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { readResidual } from '../../../diffusion/residuals/residual';
import { readTorchTensor } from '../../../diffusion/residuals/torch-pt';
import { cones2Manifest, fixturePath, referencePath, referenceSkip } from '../../helpers/paths';
import { codeOf, float32Bytes, tensorPickle, torchArchive, zip } from './fixtures';

const REFERENCE = referencePath('cones2-student', 'residuals') + '/';
const FIXTURES = fixturePath('residuals') + '/';
/**
 * L2 norms of the third-party reference residuals, computed independently with Python (zipfile +
 * struct.unpack('<1024f')). Tolerance 1e-3 (float32 accumulation order). Their norms lie in 13.9-30.
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

test('every residual file written by torch.save (training/make_test_fixtures.py) reads as torch.load read it, ' +
  'or is refused with its code', () => {
  const { residuals } = cones2Manifest();
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.pt') || f.endsWith('.safetensors')).sort();
  assert.deepEqual(names, Object.keys(residuals).sort(), 'the manifest describes every fixture file');
  assert.ok(names.length >= 12);
  for (const [name, want] of Object.entries(residuals)) {
    if (!want.ok) {
      assert.throws(() => readResidual(FIXTURES + name), (err: Error & { code?: string }) => {
        assert.equal(err.code, want.code, `${name}: ${err.message}`);
        if (want.mentions) assert.match(err.message, new RegExp(want.mentions), name);
        return true;
      }, name);
      continue;
    }
    const r = readResidual(FIXTURES + name);
    assert.equal(r.width, want.width, name);
    assert.equal(r.source, name.endsWith('.pt') ? 'pt' : 'safetensors', name);
    // first / last: torch.load's values converted to float32 by torch, so exact; norm: float64 sum vs float32 values
    assert.equal(r.vector[0], Math.fround(want.first!), `${name} first`);
    assert.equal(r.vector[r.width - 1], Math.fround(want.last!), `${name} last`);
    const norm = Math.hypot(...r.vector);
    assert.ok(Math.abs(norm - want.norm!) < 1e-4 * want.norm!, `${name} norm ${norm} vs ${want.norm}`);
    if (want.base_word) assert.equal(r.baseWord, want.base_word, name);
  }
  // The reference trainer's layout: a requires_grad tensor saved from cuda:0; the archive stem is the file stem.
  const { ref } = readTorchTensor(readFileSync(`${FIXTURES}reference_layout.pt`), 'reference_layout.pt');
  assert.deepEqual([ref.dtype, ref.shape, ref.stride, ref.offset, ref.location], ['F32', [1, 1024], [1024, 1], 0, 'cuda:0']);
  assert.equal(readTorchTensor(readFileSync(`${FIXTURES}renamed_after_save.pt`), 'x').ref.location, 'cpu');
});

test('all 8 reference .pt residuals load as [1, 1024] float32 with their known norms', { skip: referenceSkip }, () => {
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
  // data.pkl plus its storage entry data/0 holding `values` as float32.
  const archive = (pickle: Uint8Array, values: number[]) => zip([
    { name: 'a/data.pkl', data: pickle }, { name: 'a/data/0', data: float32Bytes(values) },
  ]);
  assert.equal(codeOf(() => readResidual(zip([{ name: 'a/data.pkl', data: pkl }]))), 'E_RESIDUAL_CORRUPT');
  assert.equal(codeOf(() => readResidual(archive(pkl, [1, 2, 3]))), 'E_RESIDUAL_CORRUPT');
  const outside = tensorPickle({ numel: 4, shape: [1, 4], offset: 2 });
  assert.equal(codeOf(() => readResidual(archive(outside, [1, 2, 3, 4]))), 'E_RESIDUAL_CORRUPT');
  const evil = Uint8Array.from([...pkl.slice(0, -1), 0x69, 0x2e]); // INST: would import and call in Python
  assert.equal(codeOf(() => readResidual(archive(evil, [1, 2, 3, 4]))), 'E_RESIDUAL_FORMAT');
  const intStorage = tensorPickle({ storage: 'IntStorage', numel: 4, shape: [4] });
  assert.equal(codeOf(() => readResidual(archive(intStorage, [1, 2, 3, 4]))), 'E_RESIDUAL_FORMAT');
  assert.equal(codeOf(() => readResidual(zip([{ name: 'readme.txt', data: Buffer.from('hi') }]))), 'E_RESIDUAL_FORMAT');
  assert.equal(codeOf(() => readResidual(torchArchive([1, 2, 3, 4], [2, 2]))), 'E_RESIDUAL_SHAPE');
  assert.equal(codeOf(() => readResidual(torchArchive([1, NaN], [1, 2]))), 'E_RESIDUAL_CORRUPT');
});

const TRUNCATION_CASES: Array<{ label: string; path: string; skip: string | false }> = [
  { label: 'a torch.save file (project fixture)', path: `${FIXTURES}renamed_after_save.pt`, skip: false },
  { label: 'a reference file (pet_cat.pt)', path: `${REFERENCE}pet_cat.pt`, skip: referenceSkip },
];

for (const { label, path, skip } of TRUNCATION_CASES) {
  test(`every truncation and a flipped data byte of ${label} give a coded error, never a crash`, { skip }, () => {
    const bytes = readFileSync(path);
    for (let n = 0; n < bytes.length; n += 7) {
      const code = codeOf(() => readResidual(bytes.subarray(0, n)));
      assert.ok(code === 'E_RESIDUAL_CORRUPT' || code === 'E_RESIDUAL_FORMAT', `prefix ${n}: ${code}`);
    }
    // A byte inside the STORED data/0 entry: found by its name in the local header (30-byte header + name).
    const name = Buffer.from('residual/data/0');
    const entry = bytes.indexOf(name);
    assert.ok(entry > 0, 'both files keep the tensor in residual/data/0');
    const dataStart = entry + name.length + bytes.readUInt16LE(entry - 2);
    const flipped = Buffer.from(bytes);
    flipped[dataStart + 100] ^= 0x40;
    assert.equal(codeOf(() => readResidual(flipped)), 'E_RESIDUAL_CORRUPT', 'CRC-32 mismatch');
  });
}
