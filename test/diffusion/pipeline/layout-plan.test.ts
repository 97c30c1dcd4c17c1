import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { layoutFeeds, planLayoutBias, resolvePositions } from '../../../diffusion/pipeline/layout-plan';
import { loadClipTokenizer } from '../../../diffusion/tokenizer';

const tokenizer = await loadClipTokenizer(join(import.meta.dirname, '..', '..', '..', 'models', 'shapes', 'tokenizer'));

test('overlapping phrases: the longer phrase keeps its tokens, the shorter keeps the rest', () => {
  const tokens = tokenizer.tokenize('a red circle, a blue square and a red circle', { mode: 'adaptive' });
  const [longer, shorter] = resolvePositions(['circle ,', 'circle'], tokens);
  assert.equal(longer.length, 2, 'circle + comma');
  assert.equal(shorter.length, 1);
  assert.ok(shorter[0] > longer[1], 'the second circle');
  const onlyOne = tokenizer.tokenize('a red circle', { mode: 'adaptive' });
  assert.throws(() => resolvePositions(['red circle', 'circle'], onlyOne), { code: 'E_LAYOUT_TOKEN_CONFLICT' });
});

test('feeds put the bias on the conditional row only, scaled by gw*eta, and switch off unguided layers', () => {
  const tokens = tokenizer.tokenize('a red circle and a blue square', { mode: 'adaptive' });
  const layout = {
    subjects: [{ phrase: 'circle', box: [0, 0, 0.5, 1] as const }, { phrase: 'square', box: [0.5, 0, 1, 1] as const }],
    source: 'test',
  };
  // three layers: 16x16, 8x8, 16x16; guide only the highest resolution
  const plan = planLayoutBias(layout, tokens, { height: 64, width: 64 }, { height: 16, width: 16 }, [256, 64, 256], 'highest:1');
  assert.equal(plan.guidedLayers, 2);
  assert.equal(plan.biases[1], null);
  const { pos, neg } = layoutFeeds(plan, 3, { gwEta: 0.5, active: true, parts: 'both' }, 2, 1);
  assert.deepEqual(pos[1].dims, [1, 1, 1, 1], 'unguided layer gets the broadcast zero');
  assert.deepEqual(pos[0].dims, [2, 1, 256, tokens.length]);
  const plane = 256 * tokens.length;
  assert.ok(pos[0].data.subarray(0, plane).every((v) => v === 0), 'uncond row untouched');
  assert.ok(neg[0].data.subarray(0, plane).every((v) => v === 0), 'uncond row unmasked');
  const circle = tokens.words.find((w) => w.text === 'circle')!.tokenPositions[0];
  // cell (row 8, col 2) is inside the left box: pos = gw*eta*strength, no mask; col 13 is outside: masked
  assert.equal(pos[0].data[plane + (8 * 16 + 2) * tokens.length + circle], 0.5 * 2.5);
  assert.equal(neg[0].data[plane + (8 * 16 + 2) * tokens.length + circle], 0);
  assert.ok(neg[0].data[plane + (8 * 16 + 13) * tokens.length + circle] < -1000);
  const off = layoutFeeds(plan, 3, { gwEta: 0.5, active: false, parts: 'both' }, 2, 1);
  const allOff = [...off.pos, ...off.neg].every((p) => p.dims.join() === '1,1,1,1');
  assert.ok(allOff, 'an unguided step switches every layer off (no mask either)');

  const positive = layoutFeeds(plan, 3, { gwEta: 0.5, active: true, parts: 'positive' }, 2, 1);
  assert.deepEqual([...positive.pos[0].data], [...pos[0].data], 'strengthen only keeps the positive term');
  assert.deepEqual(positive.neg[0].dims, [1, 1, 1, 1], 'and drops the hard negative');
  const negative = layoutFeeds(plan, 3, { gwEta: 0.5, active: true, parts: 'negative' }, 2, 1);
  assert.deepEqual(negative.pos[0].dims, [1, 1, 1, 1], 'weaken only drops the positive term');
  assert.deepEqual([...negative.neg[0].data], [...neg[0].data], 'and keeps the hard negative');
});
