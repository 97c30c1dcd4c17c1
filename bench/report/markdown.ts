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

export function comparisonRow(c: Comparison): string {
  const ratio = ratioOfMedians(c.a.ms, c.b.ms);
  let spread = '';
  if (c.paired) {
    const pairs = pairRatios(c.a.ms, c.b.ms);
    spread = `${quantile(pairs, 0.25).toFixed(3)}..${quantile(pairs, 0.75).toFixed(3)}`;
  }
  const n = c.a.ms.length === c.b.ms.length ? String(c.a.ms.length) : `${c.a.ms.length} / ${c.b.ms.length}`;
  const cells = [
    c.section, c.name, timedCell(c.a.label, c.a.ms), timedCell(c.b.label, c.b.ms), formatRatio(ratio), spread || 'not paired',
    c.target ? targetText(c.target) : '', c.target ? (meetsTarget(ratio, c.target) ? 'yes' : 'NO') : '', n, c.note ?? '',
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Command: \`${r.command}\` (wall time ${r.wallSeconds.toFixed(0)} s), ${m.date}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB RAM, no GPU; Node.js ${m.node}, onnxruntime-node ${m.onnxruntime}. ` +
      `1-minute load average ${m.loadStart.toFixed(2)} at the start, ${m.loadEnd.toFixed(2)} at the end (the machine is shared: read the ratios, not the absolute times).`,
    '',
    ...r.settings.map((s) => `- ${s}`),
    '',
    '## Comparisons (ratio = A / B of the medians)',
    '',
    '| section | measurement | A (median) | B (median) | A / B | pair ratios p25..p75 | target | met | repeats | note |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.results.comparisons.map(comparisonRow),
    '',
  ];
  if (r.results.figures.length) {
    lines.push('## Figures', '', '| section | measurement | value | repeats | note |', '| --- | --- | --- | --- | --- |');
    for (const f of r.results.figures) lines.push(`| ${[f.section, f.name, f.value, f.n === null ? '1' : String(f.n), f.note ?? ''].map(cell).join(' | ')} |`);
    lines.push('');
  }
  if (r.results.skipped.length) {
    lines.push('## Skipped', '');
    for (const s of r.results.skipped) lines.push(`- ${s.section}: ${s.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** One line per comparison for the progress log on stderr. */
export function comparisonLine(c: Comparison): string {
  return `${c.section} / ${c.name}: ${c.a.label} ${formatMs(median(c.a.ms))} vs ${c.b.label} ${formatMs(median(c.b.ms))} -> ${formatRatio(ratioOfMedians(c.a.ms, c.b.ms))}`;
}
