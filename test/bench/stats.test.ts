import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, pairRatios, quantile, ratioOfMedians, summarize } from '../../bench/stats';

test('quantiles interpolate linearly between order statistics (numpy type 7)', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantile([10, 20], 0.75), 17.5);
  assert.deepEqual(summarize([5, 1, 3]), { n: 3, median: 3, p25: 2, p75: 4, min: 1 });
});

test('ratio of medians and per-pair ratios', () => {
  assert.equal(ratioOfMedians([110, 100, 120], [100, 90, 110]), 110 / 100);
  assert.deepEqual(pairRatios([2, 3], [1, 2]), [2, 1.5]);
});

test('empty samples, unequal pairs and a zero denominator are coded errors', () => {
  assert.throws(() => median([]), { code: 'E_BENCH_STATS' });
  assert.throws(() => pairRatios([1], [1, 2]), { code: 'E_BENCH_STATS' });
  assert.throws(() => ratioOfMedians([1], [0]), { code: 'E_BENCH_STATS' });
});
