import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readRecommendation } from '../../diffusion/model/recommended';
import { BASE, baseFor, experiments } from '../../eval/experiments';

const shapes = readRecommendation(JSON.parse(readFileSync('models/shapes/model_index.json', 'utf8')) as Record<string, unknown>);

test('BASE is the embedded model\'s recommendation (models/shapes/model_index.json)', () => {
  assert.deepEqual(shapes.problems, []);
  assert.deepEqual(baseFor(shapes), BASE);
});

test('another model is evaluated at its own recommendation: every layout condition starts from it', () => {
  const reference = baseFor(readRecommendation(null));
  assert.deepEqual([reference.gw, reference.guidedFraction, reference.selfRecurrence], [0.08, 1, true]);
  assert.deepEqual({ ...reference, gw: 0, guidedFraction: 0, selfRecurrence: false }, { ...BASE, gw: 0, guidedFraction: 0, selfRecurrence: false });
  const list = experiments({ customSets: ['checkered_circle_alone'], base: reference });
  const layoutDefaults = list.find((e) => e.id === 'targets')!.conditions.find((c) => c.label === 'layout (defaults)')!;
  assert.deepEqual(layoutDefaults.settings, reference);
  const gw = list.find((e) => e.id === 'gw')!.conditions.find((c) => c.label === 'gw 0.5')!;
  assert.deepEqual(gw.settings, { ...reference, gw: 0.5 });
  assert.deepEqual(experiments({ customSets: [] }).find((e) => e.id === 'paper')!.conditions[1]!.settings, BASE, 'no base given: BASE');
});
