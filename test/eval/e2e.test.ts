/**
 * End to end on the embedded model, CI-sized: 8 four-subject prompts with boxes (eval/sets.ts "four": 32 subject
 * placements per condition, the most statistical power per image), 15 Euler steps, CFG 5, with and without Cones 2
 * layout guidance (gw 0.2), scored by the detector. Floors, not goldens. eval/REPORT.md (n = 8, 20 steps, the
 * 2026-11-30 model) measured +47 points centroid-in-box on this set (95% CI +34 to +59) and +31 on the two-subject
 * set (+13 to +50); the floor stays at +15 on "four", the set with the most subject placements per image.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSdModel } from '../../diffusion/model/load';
import { Evaluator } from '../../eval/evaluate';
import { BASE } from '../../eval/experiments';
import { makeSet, SET_SEEDS } from '../../eval/sets';
import { SHAPES_MODEL } from '../helpers/paths';

const MODEL = process.env.CONES_EVAL_MODEL ?? SHAPES_MODEL;

test('layout guidance puts subjects in their boxes more often than no layout (8 four-subject samples, 15 steps)', async () => {
  const model = await loadSdModel(MODEL);
  const evaluator = new Evaluator({ model, steps: 15, cfg: 5, residuals: {} });
  const set = makeSet('four', '4 subjects', { count: 4, n: 8, seed: SET_SEEDS.four });
  const none = await evaluator.cell(set, 'no layout', { ...BASE, layout: false });
  const layout = await evaluator.cell(set, 'layout', BASE);
  const inBox = { none: none.estimates.inBox.mean, layout: layout.estimates.inBox.mean };
  const present = { none: none.estimates.present.mean, layout: layout.estimates.present.mean };
  const msg = JSON.stringify({ inBox, present });
  assert.ok(inBox.layout - inBox.none >= 0.15, `centroid-in-box gain >= 15 points: ${msg}`);
  assert.ok(present.none >= 0.5, `the model draws the requested colours without layout: ${msg}`);
  assert.ok(present.layout >= present.none - 0.25, `layout does not make subjects vanish: ${msg}`);
});
