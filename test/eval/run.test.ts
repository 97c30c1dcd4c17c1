import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCandidates, experiments, quickExperiments, settingsKey, BASE, DEFAULT_CANDIDATES } from '../../eval/experiments';
import { parseArgs } from '../../eval/run';

test('arguments: defaults, --quick, and coded errors for bad input', () => {
  const d = parseArgs([]);
  assert.equal(d.quick, false);
  assert.ok(d.out.endsWith('eval'));
  const q = parseArgs(['--quick', '--n', '3', '--only', 'paper']);
  assert.equal(q.n, 3);
  assert.deepEqual(q.only, ['paper']);
  assert.ok(!q.out.endsWith('eval'), 'quick runs never overwrite the committed report');
  assert.throws(() => parseArgs(['--n', 'x']), { code: 'E_EVAL_ARGS' });
  assert.throws(() => parseArgs(['--frobnicate', '1']), { code: 'E_EVAL_ARGS' });
  assert.throws(() => parseArgs(['--steps']), { code: 'E_EVAL_ARGS' });
});

test('experiments: every ablation changes the base in exactly the field it names; no-layout settings share one key', () => {
  const list = experiments({ customSets: ['checkered_circle_alone'] });
  assert.deepEqual(list.map((e) => e.id), ['paper', 'parts', 'gw', 'guidance', 'custom', 'resolutions', 'self_recurrence', 'tokens', 'inpaint', 'guidance_steps', 'defaults', 'strength', 'background', 'model', 'targets']);
  const changed = (id: string) => list.find((e) => e.id === id)!.conditions.map((c) => Object.keys(c.settings).filter((k) => c.settings[k as keyof typeof BASE] !== BASE[k as keyof typeof BASE]));
  assert.deepEqual(changed('resolutions'), [[], ['resolutions']]);
  assert.deepEqual(changed('guidance'), [[], ['guidance'], ['guidance']]);
  assert.deepEqual(changed('gw'), [['layout'], ['gw'], ['gw'], [], ['gw'], ['gw']]);
  assert.deepEqual(changed('inpaint'), [['layout', 'inpaint'], ['inpaint']]);
  assert.deepEqual(changed('defaults'), [[], ['guidedFraction'], ['guidedFraction'], ['gw', 'guidedFraction'], ['gw', 'guidedFraction']], 'the recommendation first');
  assert.deepEqual(changed('background'), [['layout'], []]);
  assert.deepEqual(changed('targets'), [['layout'], [], ['layout', 'residuals'], ['layout']]);
  assert.notEqual(settingsKey({ ...BASE, layout: false }), settingsKey({ ...BASE, layout: false, inpaint: true }), 'an inpainted image is not the plain one');
  assert.equal(settingsKey({ ...BASE, layout: false, gw: 1 }), settingsKey({ ...BASE, layout: false, gw: 0.05, resolutions: 'highest:1' }));
  assert.notEqual(settingsKey({ ...BASE, layout: false }), settingsKey({ ...BASE, layout: false, tokens: 'adaptive' }));
  assert.deepEqual(quickExperiments().map((e) => e.sets), [['two']]);
});

test('defaults: the evaluated model\'s recommendation runs first (the paired changes are against it), each candidate once', () => {
  assert.deepEqual(defaultCandidates(BASE), [{ guidedFraction: 1, gw: 0.2 }, { guidedFraction: 0.25, gw: 0.2 }, { guidedFraction: 0.5, gw: 0.2 }, { guidedFraction: 0.5, gw: 0.5 }, { guidedFraction: 0.25, gw: 0.5 }]);
  const reference = { ...BASE, gw: 0.08, guidedFraction: 1 };
  assert.deepEqual(defaultCandidates(reference), [{ guidedFraction: 1, gw: 0.08 }, ...DEFAULT_CANDIDATES], 'a recommendation outside the list is added in front');
  const labels = experiments({ customSets: [], base: reference }).find((e) => e.id === 'defaults')!.conditions.map((c) => c.label);
  assert.deepEqual(labels.slice(0, 2), ['100% guided, gw 0.08', '25% guided, gw 0.2']);
});

test('model card experiment: each condition runs on the sets it names, every summary part points at a cell that runs', () => {
  const model = experiments({ customSets: ['checkered_circle_alone', 'checkered_circle_pair'] }).find((e) => e.id === 'model')!;
  assert.deepEqual(model.sets, ['one', 'two_halves', 'checkered_circle_alone']);
  const runs = new Set(model.sets.flatMap((set) => model.conditions.filter((c) => !c.sets || c.sets.includes(set)).map((c) => `${set}|${c.label}`)));
  for (const row of model.summary!) for (const p of [...row.parts, ...(row.detail ?? [])]) assert.ok(runs.has(`${p.set}|${p.condition}`), `${row.measurement}: ${p.set} / ${p.condition}`);
  const byLabel = new Map(model.conditions.map((c) => [c.label, c.settings]));
  assert.equal(byLabel.get('no layout')!.layout, false);
  assert.deepEqual([0.08, 0.2, 0.5].map((gw) => byLabel.get(`gw ${gw}`)), [0.08, 0.2, 0.5].map((gw) => ({ ...BASE, gw })));
  assert.deepEqual([byLabel.get('with residual')!.residuals, byLabel.get('without residual')!.residuals], [true, false]);
  assert.equal(settingsKey(byLabel.get('with residual')!), settingsKey(byLabel.get('no layout')!), 'no-layout images are shared');
});
