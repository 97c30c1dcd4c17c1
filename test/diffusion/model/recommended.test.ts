/**
 * A model's recommended layout settings (model_index.json "cones_graph"): read with a per-key fallback to the Cones 2
 * reference, hostile values refused with a message that names them, and resolved against a run's step count.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeRecommendation, guidedStepCount, readRecommendation, REFERENCE_LAYOUT, resolveLayoutSettings } from '../../../diffusion/model/recommended';
import { SHAPES_MODEL } from '../../helpers/paths';

const MODEL_ASKS = { gw: 'model', guidanceSteps: 'model', selfRecurrence: 'model' } as const;

test('no model_index.json, or one without the block: the reference (gw 0.08, every step, self-recurrence on)', () => {
  for (const index of [null, {}, { _class_name: 'OnnxStableDiffusionPipeline' }]) {
    const r = readRecommendation(index);
    assert.deepEqual([r.gw, r.guidedFraction, r.selfRecurrence, r.problems], [0.08, 1, true, []]);
    assert.deepEqual(r.from, { gw: 'reference', guidedFraction: 'reference', selfRecurrence: 'reference' });
  }
  assert.deepEqual({ ...REFERENCE_LAYOUT }, { gw: 0.08, guidedFraction: 1, selfRecurrence: true });
});

test('the embedded model recommends gw 0.2, every step guided, self-recurrence off', () => {
  const index = JSON.parse(readFileSync(join(SHAPES_MODEL, 'model_index.json'), 'utf8'));
  const r = readRecommendation(index);
  assert.deepEqual([r.gw, r.guidedFraction, r.selfRecurrence, r.problems], [0.2, 1, false, []]);
  assert.deepEqual(r.from, { gw: 'model', guidedFraction: 'model', selfRecurrence: 'model' });
});

test('a partial block: the keys it gives are the model\'s, the others the reference\'s', () => {
  const r = readRecommendation({ cones_graph: { layout: { gw: 0.3 } } });
  assert.deepEqual([r.gw, r.guidedFraction, r.selfRecurrence], [0.3, 1, true]);
  assert.deepEqual(r.from, { gw: 'model', guidedFraction: 'reference', selfRecurrence: 'reference' });
});

test('hostile values are refused one by one: never used, each named in a problem with its fallback', () => {
  const long = 'x'.repeat(10_000);
  const r = readRecommendation({ cones_graph: { layout: { gw: 1e9, guided_fraction: long, self_recurrence: 'yes' } } });
  assert.deepEqual([r.gw, r.guidedFraction, r.selfRecurrence], [0.08, 1, true]);
  assert.equal(r.problems.length, 3);
  assert.match(r.problems[0], /cones_graph\.layout\.gw should be a number in \[0, 10\] but is 1000000000; using the Cones 2 reference's 0\.08/);
  assert.match(r.problems[1], /guided_fraction should be a number in \[0, 1\] but is "x{30,}\.\.\.; using .* 1\./);
  assert.ok(r.problems[1].length < 250, 'a long value is cut short in the message');
  assert.match(r.problems[2], /self_recurrence should be true or false but is "yes"/);
  for (const value of [-0.1, null, [0.2], { gw: 1 }]) {
    const one = readRecommendation({ cones_graph: { layout: { gw: value } } });
    assert.deepEqual([one.gw, one.from.gw, one.problems.length], [0.08, 'reference', 1], JSON.stringify(value));
  }
});

test('a block of the wrong shape: one problem, the reference', () => {
  for (const block of ['fast', 3, [1], { layout: 'fast' }, { layout: [0.2] }, null]) {
    const r = readRecommendation({ cones_graph: block });
    assert.deepEqual([r.gw, r.guidedFraction, r.selfRecurrence], [0.08, 1, true], JSON.stringify(block));
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0], /"cones_graph" should be \{"layout": \{\.\.\.\}\}/);
  }
});

test('resolving: "model" takes the recommendation, guided steps = round(fraction x steps) but >= 1, explicit values win', () => {
  const shapes = readRecommendation({ cones_graph: { layout: { gw: 0.2, guided_fraction: 0.25, self_recurrence: false } } });
  assert.deepEqual(
    resolveLayoutSettings(MODEL_ASKS, shapes, 25),
    { gw: 0.2, guidanceSteps: 6, selfRecurrence: false, note: 'gw 0.2 (model), 6 of 25 steps guided (model), self-recurrence off (model)' },
  );
  assert.deepEqual([20, 30, 50, 1].map((steps) => resolveLayoutSettings(MODEL_ASKS, shapes, steps).guidanceSteps), [5, 8, 13, 1]);
  const mine = resolveLayoutSettings({ gw: 0.5, guidanceSteps: 1000, selfRecurrence: true }, shapes, 25);
  assert.deepEqual(mine, { gw: 0.5, guidanceSteps: 25, selfRecurrence: true, note: 'gw 0.5, 25 of 25 steps guided, self-recurrence on' });
  const none = readRecommendation({ cones_graph: { layout: { guided_fraction: 0 } } });
  assert.equal(resolveLayoutSettings(MODEL_ASKS, none, 25).guidanceSteps, 0, 'a fraction of 0 guides nothing');
  const reference = resolveLayoutSettings(MODEL_ASKS, readRecommendation(null), 30);
  assert.equal(reference.note, 'gw 0.08 (reference), 30 of 30 steps guided (reference), self-recurrence on (reference)');
});

test('guided step count: round(fraction x steps), at least one step for a positive fraction, never more than steps', () => {
  assert.deepEqual([[0.25, 20], [0.25, 25], [0.1, 4], [0.25, 1], [0.01, 3], [1, 7], [0, 20], [0.5, 0]].map(([f, n]) => guidedStepCount(f, n)),
    [5, 6, 1, 1, 1, 7, 0, 0]);
});

test('the loader\'s line tags reference values when the model recommends only some keys', () => {
  const partial = readRecommendation({ cones_graph: { layout: { gw: 0.3 } } });
  assert.equal(describeRecommendation(partial),
    'recommended layout settings: gw 0.3, 100% of the steps guided (reference), self-recurrence on (reference)');
  const full = readRecommendation({ cones_graph: { layout: { gw: 0.2, guided_fraction: 0.25, self_recurrence: false } } });
  assert.equal(describeRecommendation(full), 'recommended layout settings: gw 0.2, 25% of the steps guided, self-recurrence off');
  assert.equal(describeRecommendation(readRecommendation(null)),
    'no recommended layout settings: the Cones 2 reference\'s (gw 0.08, 100% of the steps guided, self-recurrence on)');
});
