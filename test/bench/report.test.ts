import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatMs, formatRatio, formatSi } from '../../bench/report/format';
import { comparisonRow, meetsTarget, renderMarkdown } from '../../bench/report/markdown';
import type { BenchReport, Comparison } from '../../bench/report/types';

test('numbers keep a few significant digits and their unit', () => {
  assert.equal(formatMs(1.234), '1.23 ms');
  assert.equal(formatMs(12.34), '12.3 ms');
  assert.equal(formatMs(123.4), '123 ms');
  assert.equal(formatMs(12345), '12.35 s');
  assert.equal(formatRatio(1.0123), '1.012 (+1.2%)');
  assert.equal(formatRatio(0.9), '0.900 (-10.0%)');
  assert.equal(formatRatio(3.456), '3.46x');
  assert.equal(formatBytes(3 * 2 ** 20), '3.0 MiB');
  assert.equal(formatSi(1.6e12), '1.60 T');
  assert.equal(formatSi(169e9), '169 G');
});

test('targets: max is a strict upper bound, min a lower bound', () => {
  assert.equal(meetsTarget(1.02, { kind: 'max', value: 1.03 }), true);
  assert.equal(meetsTarget(1.03, { kind: 'max', value: 1.03 }), false);
  assert.equal(meetsTarget(2, { kind: 'min', value: 2 }), true);
  assert.equal(meetsTarget(1.9, { kind: 'min', value: 2 }), false);
});

const comparison: Comparison = {
  section: 'engine', name: 'full run', a: { label: 'engine', ms: [102, 104, 103] }, b: { label: 'bare', ms: [100, 100, 100] },
  paired: true, target: { kind: 'max', value: 1.03 }, note: 'a | b',
};

test('a comparison row: medians, ratio, pair-ratio spread, target, verdict; pipes in text are escaped', () => {
  assert.equal(comparisonRow(comparison),
    '| engine | full run | engine: 103 ms | bare: 100 ms | 1.030 (+3.0%) | 1.025..1.035 | < 1.03 | NO | 3 | a \\| b |');
  const unpaired = comparisonRow({ ...comparison, paired: false, target: undefined, b: { label: 'bare', ms: [50] } });
  assert.match(unpaired, /\| 2\.06x \| not paired \|  \|  \| 3 \/ 1 \|/);
});

test('the report names the machine, the command and what was skipped', () => {
  const report: BenchReport = {
    machine: {
      cpu: 'Test CPU', cores: 2, memoryGiB: 24, node: 'v20', onnxruntime: '1.30.0', date: '2026-11-30T00:00:00Z', loadStart: 1, loadEnd: 2,
    },
    command: 'npm run bench', wallSeconds: 12, settings: ['15 repeats'],
    results: {
      comparisons: [comparison],
      figures: [{ section: 'memory', name: 'peak RSS', value: '1 GiB', n: 5 }],
      skipped: [{ section: 'torch', reason: 'no checkpoint' }],
    },
  };
  const md = renderMarkdown(report);
  const expected = [
    'Test CPU, 2 cores', 'onnxruntime-node 1.30.0', '`npm run bench`', '- 15 repeats',
    '| memory | peak RSS | 1 GiB | 5 |  |', '- torch: no checkpoint',
  ];
  for (const text of expected) {
    assert.ok(md.includes(text), `missing ${text}`);
  }
});
