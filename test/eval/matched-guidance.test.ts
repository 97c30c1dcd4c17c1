import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cfgppEquivalentScale, sigmaScaledScale } from '../../diffusion/guidance';
import { matchedGuidance } from '../../eval/matched-guidance';

// A geometric schedule sigma_i = 10 * 0.8^i then 0: sigma / (sigma - next) = 5 on every step but the last (1).
const sigmas = [...Array.from({ length: 20 }, (_, i) => 10 * 0.8 ** i), 0];
const meanOver = (f: (i: number) => number): number => Array.from({ length: 20 }, (_, i) => f(i)).reduce((a, b) => a + b) / 20;

test('CFG++ lambda reproduces the CFG scale as the mean per-step equivalent scale', () => {
  const g = matchedGuidance('cfgpp', 3, sigmas);
  assert.equal(g.rule.kind, 'cfgpp');
  const lambda = (g.rule as { lambda: number }).lambda;
  assert.ok(Math.abs(lambda - 3 / ((19 * 5 + 1) / 20)) < 1e-12, `lambda ${lambda}`);
  assert.ok(Math.abs(meanOver((i) => cfgppEquivalentScale(lambda, sigmas[i], sigmas[i + 1])) - 3) < 1e-9);
  assert.equal(g.clamped, false);
  const high = matchedGuidance('cfgpp', 7.5, sigmas);
  assert.equal(high.clamped, true, 'lambda would exceed 1');
  assert.equal((high.rule as { lambda: number }).lambda, 1);
  assert.ok(high.meanScale < 7.5);
});

test('sigma-scaled CFG base scale reproduces the mean scale; CFG is itself', () => {
  const g = matchedGuidance('sigma_scaled_cfg', 5, sigmas);
  const w = (g.rule as { scale: number }).scale;
  assert.ok(Math.abs(meanOver((i) => sigmaScaledScale(w, sigmas[i], sigmas[0])) - 5) < 1e-9);
  assert.ok(w < 5 && w > 2.5, 'w_i runs from 2w down to ~w');
  assert.deepEqual(matchedGuidance('cfg', 5, sigmas).rule, { kind: 'cfg', scale: 5 });
});
