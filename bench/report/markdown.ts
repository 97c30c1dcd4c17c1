import { median, pairRatios, quantile, ratioOfMedians, summarize } from '../stats';
import { cell, formatMs, formatRatio } from './format';
import type { BenchReport, Comparison, Target } from './types';

/** Whether ratio A / B meets the target, judged on the ratio of medians. */
export function meetsTarget(ratio: number, target: Target): boolean {
  return target.kind === 'max' ? ratio < target.value : ratio >= target.value;
}

export function targetText(target: Target): string {
  return target.kind === 'max' ? `< ${target.value}` : `>= ${target.value}`;
}

function timedCell(label: string, ms: readonly number[]): string {
  const s = summarize(ms);
  return `${label}: ${formatMs(s.median)}`;
}

export function comparisonRow(comparison: Comparison): string {
  const { a, b, target } = comparison;
  const ratio = ratioOfMedians(a.ms, b.ms);
  let spread = '';
  if (comparison.paired) {
    const pairs = pairRatios(a.ms, b.ms);
    spread = `${quantile(pairs, 0.25).toFixed(3)}..${quantile(pairs, 0.75).toFixed(3)}`;
  }
  const n = a.ms.length === b.ms.length ? String(a.ms.length) : `${a.ms.length} / ${b.ms.length}`;
  const cells = [
    comparison.section, comparison.name, timedCell(a.label, a.ms), timedCell(b.label, b.ms), formatRatio(ratio), spread || 'not paired',
    target ? targetText(target) : '', target ? (meetsTarget(ratio, target) ? 'yes' : 'NO') : '', n, comparison.note ?? '',
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Command: \`${report.command}\` (wall time ${report.wallSeconds.toFixed(0)} s), ${m.date}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB RAM, no GPU; ` +
      `Node.js ${m.node}, onnxruntime-node ${m.onnxruntime}. ` +
      `1-minute load average ${m.loadStart.toFixed(2)} at the start, ${m.loadEnd.toFixed(2)} at the end ` +
      '(the machine is shared: read the ratios, not the absolute times).',
    '',
    ...report.settings.map((s) => `- ${s}`),
    '',
    '## Comparisons (ratio = A / B of the medians)',
    '',
    '| section | measurement | A (median) | B (median) | A / B | pair ratios p25..p75 | target | met | repeats | note |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.results.comparisons.map(comparisonRow),
    '',
  ];
  if (report.results.figures.length) {
    lines.push('## Figures', '', '| section | measurement | value | repeats | note |', '| --- | --- | --- | --- | --- |');
    for (const f of report.results.figures) {
      const cells = [f.section, f.name, f.value, f.n === null ? '1' : String(f.n), f.note ?? ''];
      lines.push(`| ${cells.map(cell).join(' | ')} |`);
    }
    lines.push('');
  }
  if (report.results.skipped.length) {
    lines.push('## Skipped', '');
    for (const s of report.results.skipped) lines.push(`- ${s.section}: ${s.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** One line per comparison for the progress log on stderr. */
export function comparisonLine(comparison: Comparison): string {
  const { a, b } = comparison;
  const ratio = formatRatio(ratioOfMedians(a.ms, b.ms));
  const timings = `${a.label} ${formatMs(median(a.ms))} vs ${b.label} ${formatMs(median(b.ms))}`;
  return `${comparison.section} / ${comparison.name}: ${timings} -> ${ratio}`;
}
