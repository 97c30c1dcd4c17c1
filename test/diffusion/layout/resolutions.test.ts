import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResolutionSelection, queryGrid, selectGuidedLayers } from '../../../diffusion/layout/resolutions';

// The 16 cross-attention layers of SD 1.x/2.x in graph order (down 0-2 x2, mid x1, up 1-3 x3) at 512 px
// (latent 64x64): query lengths from runtime-facts.md.
const SD_512 = [4096, 4096, 1024, 1024, 256, 256, 64, 256, 256, 256, 1024, 1024, 1024, 4096, 4096, 4096];
const LATENT_512 = { height: 64, width: 64 };
const guidedLengths = (sel: Parameters<typeof selectGuidedLayers>[2]) =>
  selectGuidedLayers(SD_512, LATENT_512, sel).filter((l) => l.guided).map((l) => l.queryLength);

test("'highest:1' guides only the five 64x64 layers; 'all' guides all 16", () => {
  assert.deepEqual(guidedLengths('highest:1'), [4096, 4096, 4096, 4096, 4096]);
  const layers = selectGuidedLayers(SD_512, LATENT_512, 'highest:1');
  assert.deepEqual(layers.filter((l) => l.guided).map((l) => l.layer), [0, 1, 13, 14, 15]);
  assert.equal(guidedLengths('all').length, 16);
  assert.equal(guidedLengths('none').length, 0);
});

test("'highest:2' and explicit [64, 32] select the two highest resolutions, and they differ from 'all'", () => {
  const two = guidedLengths('highest:2');
  assert.equal(two.length, 10);
  assert.ok(two.every((s) => s === 4096 || s === 1024));
  assert.deepEqual(guidedLengths([64, 32]), two);
  assert.deepEqual(guidedLengths([[16, 16]]), [256, 256, 256, 256, 256]);
  assert.notDeepEqual(two, guidedLengths('all'));
});

test('a resolution the UNet does not have is an error, not a silent no-op (the report\'s bug)', () => {
  assert.throws(() => selectGuidedLayers(SD_512, LATENT_512, [96]), (err: Error & { code: string }) => {
    assert.equal(err.code, 'E_LAYOUT_RESOLUTION');
    assert.match(err.message, /64x64, 32x32, 16x16, 8x8/);
    return true;
  });
  assert.throws(() => selectGuidedLayers(SD_512, LATENT_512, 'highest:0'), { code: 'E_LAYOUT_RESOLUTION' });
  assert.throws(() => selectGuidedLayers(SD_512, LATENT_512, [0]), { code: 'E_LAYOUT_RESOLUTION' });
});

test('query length -> grid follows the ceil(n / 2) downsampling chain, also for non-square and odd latents', () => {
  assert.deepEqual(queryGrid(2304, { height: 96, width: 96 }), { h: 48, w: 48 });
  assert.deepEqual(queryGrid(12 * 8, { height: 96, width: 64 }), { h: 12, w: 8 });
  assert.deepEqual(queryGrid(19 * 10, { height: 75, width: 40 }), { h: 19, w: 10 });
  assert.throws(() => queryGrid(1000, LATENT_512), { code: 'E_LAYOUT_QUERY_LENGTH' });
  // A number selects by the larger side on non-square grids.
  const layers = selectGuidedLayers([96 * 64, 48 * 32], { height: 96, width: 64 }, [48]);
  assert.deepEqual(layers.map((l) => l.guided), [false, true]);
});

test('text selections parse to the same forms', () => {
  assert.equal(parseResolutionSelection(' all '), 'all');
  assert.equal(parseResolutionSelection('highest:2'), 'highest:2');
  assert.deepEqual(parseResolutionSelection('64, 32'), [64, 32]);
  assert.deepEqual(parseResolutionSelection('64x64,12x8'), [[64, 64], [12, 8]]);
  assert.throws(() => parseResolutionSelection('high'), { code: 'E_LAYOUT_RESOLUTION' });
});
