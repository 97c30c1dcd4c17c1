import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchArgs, SECTIONS } from '../../bench/args';

test('defaults: every section but large and farm; --quick shrinks the run and writes to a temp file', () => {
  const o = parseBenchArgs([]);
  assert.deepEqual(o.sections, SECTIONS.filter((s) => s !== 'large' && s !== 'farm'));
  assert.equal(o.repeats, 15);
  assert.ok(o.out.endsWith('bench/RESULTS.md'));
  const q = parseBenchArgs(['--quick', '--large']);
  assert.equal(q.repeats, 3);
  assert.ok(q.sections.includes('large'));
  assert.ok(!q.out.endsWith('bench/RESULTS.md'));
});

test('--only keeps run order; bad values are coded errors', () => {
  assert.deepEqual(parseBenchArgs(['--only', 'torch,engine']).sections, ['engine', 'torch']);
  assert.deepEqual(parseBenchArgs(['--only', 'farm']).sections, ['farm']);
  assert.deepEqual(parseBenchArgs(['--large-sizes', '128,512']).largeSizes, [128, 512]);
  assert.throws(() => parseBenchArgs(['--only', 'gpu']), { code: 'E_BENCH_ARGS' });
  assert.throws(() => parseBenchArgs(['--repeats', '0']), { code: 'E_BENCH_ARGS' });
  assert.throws(() => parseBenchArgs(['--large-sizes', '100']), { code: 'E_BENCH_ARGS' });
  assert.throws(() => parseBenchArgs(['--steps']), { code: 'E_BENCH_ARGS' });
  assert.throws(() => parseBenchArgs(['--fast']), { code: 'E_BENCH_ARGS' });
});
