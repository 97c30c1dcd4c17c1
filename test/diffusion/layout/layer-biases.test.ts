import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutBiasesForLayers } from '../../../diffusion/layout/layer-biases';
import { selectGuidedLayers } from '../../../diffusion/layout/resolutions';
import { buildTokenWeightMaps } from '../../../diffusion/layout/weight-maps';

const SD_512 = [4096, 4096, 1024, 1024, 256, 256, 64, 256, 256, 256, 1024, 1024, 1024, 4096, 4096, 4096];

test('unselected layers get null (zero bias, no mask); selected ones get their own resolution, shared per grid', () => {
  const mask = new Uint8Array(512 * 512).fill(1, 0, 512 * 256);
  const maps = buildTokenWeightMaps([{ positions: [2], mask, strength: 2.5 }], 8, 512, 512);
  const layers = selectGuidedLayers(SD_512, { height: 64, width: 64 }, 'highest:2');
  const biases = layoutBiasesForLayers(maps, layers);
  assert.deepEqual(biases.map((b) => (b ? b.h : 0)), [64, 64, 32, 32, 0, 0, 0, 0, 0, 0, 32, 32, 32, 64, 64, 64]);
  assert.equal(biases[0], biases[15], 'one object per resolution');
  assert.deepEqual(biases[2]?.posWeights.dims, [1024, 8]);
  const all = layoutBiasesForLayers(maps, selectGuidedLayers(SD_512, { height: 64, width: 64 }, 'all'));
  assert.ok(all.every((b) => b !== null));
});
