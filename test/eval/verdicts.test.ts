import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CellResult } from '../../eval/evaluate';
import { claims, judge, NO_WORSE_MARGIN, runVerdicts, verdicts, type Claim } from '../../eval/verdicts';

const est = (lo: number, hi: number) => ({ mean: (lo + hi) / 2, lo, hi, n: 48 });

test('judge: "better" needs the whole interval above 0; at or below 0 rules it out; straddling is inconclusive', () => {
  assert.equal(judge('better', est(0.02, 0.3)), 'supported');
  assert.equal(judge('better', est(0, 0)), 'not supported', 'no change at all cannot support an improvement');
  assert.equal(judge('better', est(-0.3, -0.05)), 'not supported');
  assert.equal(judge('better', est(-0.05, 0.2)), 'inconclusive at this n');
});

test('judge: "no worse" compares the interval with the margin', () => {
  assert.equal(judge('no-worse', est(-NO_WORSE_MARGIN / 2, 0.1)), 'supported');
  assert.equal(judge('no-worse', est(-0.5, -NO_WORSE_MARGIN - 0.01)), 'not supported');
  assert.equal(judge('no-worse', est(-0.3, 0.05)), 'inconclusive at this n');
});

/** Cells of one set with per-image values of `metric` (the other score fields are irrelevant here). */
function cell(set: string, label: string, metric: string, values: number[]): CellResult {
  const images = values.map((v) => ({ score: { [metric]: v }, pattern: null, recognised: metric === 'recognised' ? v : null }));
  return { set, label, images, estimates: {} } as unknown as CellResult;
}

test('verdicts pair the images of both conditions and flip the sign where lower is better', () => {
  const better: Claim = { claim: 'a', source: 'paper', experiment: 'x', set: 's', baseline: 'off', treatment: 'on', metric: 'inBox', kind: 'better' };
  const fewerBlobs: Claim = { ...better, claim: 'b', metric: 'twoColour', lowerIsBetter: true };
  const off = Array.from({ length: 48 }, (_, i) => (i % 2 ? 1 : 0));
  const on = off.map(() => 1);
  const cells = new Map([['x', [cell('s', 'off', 'inBox', off), cell('s', 'on', 'inBox', on), cell('s', 'off', 'twoColour', off)]]]);
  const [v] = verdicts([better], cells);
  assert.equal(v.verdict, 'supported');
  assert.ok(Math.abs(v.change!.mean - 0.5) < 1e-12, `mean change ${v.change!.mean}`);
  // More blobs with the treatment: +0.5 blobs is -0.5 "better".
  const blobs = new Map([['x', [cell('s', 'off', 'twoColour', off.map(() => 0)), cell('s', 'on', 'twoColour', off)]]]);
  const [w] = verdicts([fewerBlobs], blobs);
  assert.ok(w.change!.hi < 0, JSON.stringify(w.change));
  assert.equal(w.verdict, 'not supported');
});

test('a claim whose experiment, set or condition did not run is "not measured"; runVerdicts adds one claim per custom subject', () => {
  const [v] = verdicts(claims([]).slice(0, 1), new Map());
  assert.equal(v.verdict, 'not measured');
  const custom = [cell('holed_star_alone', 'without residual', 'recognised', [0, 0, 1]), cell('holed_star_alone', 'with residual', 'recognised', [1, 1, 1])];
  const all = runVerdicts([{ experiment: { id: 'custom' }, cells: custom }]);
  const star = all.find((x) => x.claim.set === 'holed_star_alone');
  assert.ok(star?.change, 'the residual claim is measured from the custom experiment');
  assert.equal(all.filter((x) => x.change).length, 1, 'the other claims were not run');
});
