import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experiments, quickExperiments, settingsKey, BASE } from '../../eval/experiments';
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
  assert.deepEqual(list.map((e) => e.id), ['paper', 'parts', 'gw', 'guidance', 'custom', 'resolutions', 'self_recurrence', 'tokens', 'guidance_steps']);
  const changed = (id: string) => list.find((e) => e.id === id)!.conditions.map((c) => Object.keys(c.settings).filter((k) => c.settings[k as keyof typeof BASE] !== BASE[k as keyof typeof BASE]));
  assert.deepEqual(changed('resolutions'), [[], ['resolutions']]);
  assert.deepEqual(changed('guidance'), [[], ['guidance'], ['guidance']]);
  assert.deepEqual(changed('gw'), [['layout'], ['gw'], ['gw'], [], ['gw'], ['gw']]);
  assert.equal(settingsKey({ ...BASE, layout: false, gw: 1 }), settingsKey({ ...BASE, layout: false, gw: 0.05, resolutions: 'highest:1' }));
  assert.notEqual(settingsKey({ ...BASE, layout: false }), settingsKey({ ...BASE, layout: false, tokens: 'adaptive' }));
  assert.deepEqual(quickExperiments().map((e) => e.sets), [['two']]);
});
