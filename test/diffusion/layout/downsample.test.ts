import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readColourLayout } from '../../../diffusion/layout/colour-layout';
import { insideGrid, layoutBiasAt } from '../../../diffusion/layout/downsample';
import { buildTokenWeightMaps } from '../../../diffusion/layout/weight-maps';
import { gaussian } from '../../../diffusion/noise';
import { cones2Manifest, fixturePath, referencePath, referenceSkip } from '../../helpers/paths';

const TABLE = { '255,192,0': ['mug', 2.5], '255,0,0': ['dog', 2.5] } as const;
const fixtureCounts = cones2Manifest().layouts['two_subjects.png'];
/**
 * Inside-cell counts (mug, dog) per resolution. Project fixture: torch's bilinear interpolation (align_corners=True)
 * of the +2.5 / -1e8 map, computed by training/make_test_fixtures.py. Reference example: derived from the reference
 * code's behaviour (docs/method.md section 4).
 */
const GOLDEN = [
  {
    name: 'the project layout (torch-derived)', path: fixturePath('layouts', 'two_subjects.png'), skip: false,
    counts: [96, 48, 24, 12].map((r): [number, number, number] => [
      r, fixtureCounts['255,192,0'].inside[r], fixtureCounts['255,0,0'].inside[r],
    ]),
  },
  {
    name: 'the reference layout (derived)', path: referencePath('cones2-official', 'layout_example.png'), skip: referenceSkip,
    counts: [[96, 1435, 1512], [48, 357, 378], [24, 90, 90], [12, 16, 16]] as [number, number, number][],
  },
];

const goldenTitle = (name: string) => `golden: inside-cell counts of ${name} at 96/48/24/12, exact`;

for (const { name, path, skip, counts: golden } of GOLDEN) test(goldenTitle(name), { skip }, async () => {
  const [mug, dog] = await readColourLayout(path, TABLE, { width: 768, height: 768 });
  // Prompt "a mug and a dog on the beach": mug at token 2, dog at token 5 (reference subject_list), L = 77.
  const subjects = [
    { phrase: 'mug', positions: [2], mask: mug.mask, strength: 2.5 },
    { phrase: 'dog', positions: [5], mask: dog.mask, strength: 2.5 },
  ];
  const maps = buildTokenWeightMaps(subjects, 77, 768, 768);
  for (const [r, mugCount, dogCount] of golden) {
    const bias = layoutBiasAt(maps, r, r);
    assert.deepEqual(bias.insideCounts, [mugCount, dogCount], `${r}x${r}`);
    // The same counts read back from the [S, T] outputs: posWeights > 0 exactly at unmasked subject cells.
    const S = r * r;
    let mugInside = 0;
    let dogMasked = 0;
    for (let s = 0; s < S; s++) {
      if (bias.posWeights.data[s * 77 + 2] === 2.5) mugInside++;
      dogMasked += bias.negMask.data[s * 77 + 5];
      const masked = bias.negMask.data[s * 77 + 2] === 1;
      assert.equal(masked, bias.posWeights.data[s * 77 + 2] === 0, 'a subject cell is either weighted or masked');
    }
    assert.equal(mugInside, mugCount);
    assert.equal(dogMasked, S - dogCount);
  }
});

test('non-subject tokens are 0 and unmasked at every cell', async () => {
  const mask = new Uint8Array(64 * 64);
  mask.fill(1, 0, 64 * 32);
  const bias = layoutBiasAt(buildTokenWeightMaps([{ positions: [3], mask, strength: 2 }], 10, 64, 64), 8, 8);
  assert.deepEqual(bias.posWeights.dims, [64, 10]);
  assert.deepEqual(bias.negMask.dims, [64, 10]);
  for (let s = 0; s < 64; s++) {
    for (const t of [0, 1, 2, 4, 9]) {
      assert.equal(bias.posWeights.data[s * 10 + t], 0);
      assert.equal(bias.negMask.data[s * 10 + t], 0);
    }
  }
});

test('the inside rule equals the sign of a directly interpolated +strength / -1e8 map (independent bilinear)', () => {
  // 17x13 -> 5x7: source positions i * 16 / 4 = 4i and j * 12 / 6 = 2j are exact binary fractions, so this plain
  // float64 interpolation has no float32 subtleties; a 2x upsample direction (4 -> 7) is checked too.
  for (const [H, W, h, w, seed] of [[17, 13, 5, 7, 1], [17, 13, 5, 7, 2], [4, 4, 7, 7, 3]]) {
    const mask = Uint8Array.from(gaussian(seed, [H * W]).data, (v) => (v > -0.8 ? 1 : 0));
    const value = (y: number, x: number) => (mask[y * W + x] ? 2.5 : -1e8);
    const inside = insideGrid(mask, H, W, h, w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sy = (y * (H - 1)) / (h - 1);
        const sx = (x * (W - 1)) / (w - 1);
        const y0 = Math.floor(sy), x0 = Math.floor(sx);
        const y1 = Math.min(y0 + 1, H - 1), x1 = Math.min(x0 + 1, W - 1);
        const fy = sy - y0, fx = sx - x0;
        const v = (1 - fy) * ((1 - fx) * value(y0, x0) + fx * value(y0, x1)) + fy * ((1 - fx) * value(y1, x0) + fx * value(y1, x1));
        assert.equal(inside[y * w + x] === 1, v > 0, `cell ${y},${x} (value ${v})`);
        if (inside[y * w + x]) assert.ok(Math.abs(v - 2.5) < 1e-12);
      }
    }
  }
});

test('a region smaller than a cell vanishes at coarse resolutions and insideCounts reports it', () => {
  const mask = new Uint8Array(64 * 64);
  mask[10 * 64 + 10] = 1;
  const bias = layoutBiasAt(buildTokenWeightMaps([{ positions: [1], mask, strength: 2.5 }], 4, 64, 64), 8, 8);
  assert.deepEqual(bias.insideCounts, [0]);
  assert.throws(() => layoutBiasAt(buildTokenWeightMaps([], 4, 64, 64), 0, 8), { code: 'E_LAYOUT_SIZE' });
});
