import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etaAt, etaLog1pSigmaSq, REFERENCE_ETA } from '../../../diffusion/layout/eta';

test('reference eta = ln(1 + sigma^2): ~5.37 at SD sigma_max 14.6146 and ~8.5e-4 at sigma_min 0.0292', () => {
  assert.ok(Math.abs(etaLog1pSigmaSq(14.614641) - Math.log(1 + 14.614641 ** 2)) < 1e-12);
  assert.ok(Math.abs(etaLog1pSigmaSq(14.614641) - 5.3686) < 1e-3); // ln(214.587) = 5.3686
  assert.ok(Math.abs(etaLog1pSigmaSq(0.029167) - 8.5e-4) < 1e-5);
  assert.equal(etaAt(REFERENCE_ETA, { sigma: 1, step: 0, guidanceSteps: 50 }), Math.log(2));
});

test('steps at or past guidanceSteps are unguided for every schedule', () => {
  for (const schedule of [REFERENCE_ETA, { kind: 'constant', value: 1 } as const, { kind: 'linear_decay', start: 2 } as const]) {
    assert.equal(etaAt(schedule, { sigma: 3, step: 10, guidanceSteps: 10 }), 0);
    assert.ok(etaAt(schedule, { sigma: 3, step: 9, guidanceSteps: 10 }) > 0);
  }
});

test('constant and linear-decay schedules', () => {
  assert.equal(etaAt({ kind: 'constant', value: 0.7 }, { sigma: 9, step: 3, guidanceSteps: 50 }), 0.7);
  assert.equal(etaAt({ kind: 'linear_decay', start: 2 }, { sigma: 9, step: 0, guidanceSteps: 4 }), 2);
  assert.equal(etaAt({ kind: 'linear_decay', start: 2 }, { sigma: 9, step: 3, guidanceSteps: 4 }), 0.5);
  assert.throws(() => etaAt({ kind: 'constant', value: -1 }, { sigma: 1, step: 0, guidanceSteps: 1 }), { code: 'E_LAYOUT_ETA' });
  assert.throws(() => etaAt(REFERENCE_ETA, { sigma: 1, step: -1, guidanceSteps: 1 }), { code: 'E_LAYOUT_ETA' });
});
