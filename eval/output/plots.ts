/** Which chart each experiment gets: the gw sweep as lines over gw (one line per box size), the rest as bars. */
import type { CellResult } from '../evaluate';
import type { Experiment } from '../experiments';
import { METRIC_TITLES } from './markdown';
import { barChart, lineChart } from './svg';

export function plotFor(e: Experiment, cells: readonly CellResult[]): string | null {
  const metric = e.metrics[0];
  const point = (c: CellResult | undefined) => c?.estimates[metric] ?? { mean: 0, lo: 0, hi: 0 };
  if (!cells.length) return null;
  if (e.id === 'gw') {
    const gws = e.conditions.filter((c) => c.settings.layout).map((c) => c.settings.gw);
    return lineChart({
      title: e.title, xLabel: 'gw', yLabel: METRIC_TITLES[metric] ?? metric, x: gws,
      series: e.sets.map((set) => ({ name: set, values: gws.map((gw) => point(cells.find((c) => c.set === set && c.settings.layout && c.settings.gw === gw))) })),
    });
  }
  if (e.id === 'model') {
    // The model card's layout rows: centroid in box and two-coloured blobs on the two-halves set, per condition.
    const rows = cells.filter((c) => c.set === 'two_halves' && !c.settings.selfRecurrence);
    if (!rows.length) return null;
    return barChart({
      title: '2 objects in the two halves: placement vs blending', yLabel: 'rate', categories: rows.map((c) => c.label),
      series: ['inBox', 'twoColour'].map((m) => ({ name: METRIC_TITLES[m] ?? m, values: rows.map((c) => c.estimates[m] ?? { mean: 0, lo: 0, hi: 0 }) })),
    });
  }
  // Bars: categories are sets when there are several, otherwise the metrics; series are conditions.
  if (e.sets.length > 1) {
    return barChart({
      title: e.title, yLabel: METRIC_TITLES[metric] ?? metric, categories: e.sets,
      series: e.conditions.map((c) => ({ name: c.label, values: e.sets.map((set) => point(cells.find((x) => x.set === set && x.label === c.label))) })),
    });
  }
  const shown = e.metrics.slice(0, 4);
  return barChart({
    title: e.title, yLabel: 'rate', categories: shown.map((m) => METRIC_TITLES[m] ?? m),
    series: e.conditions.map((c) => ({ name: c.label, values: shown.map((m) => cells.find((x) => x.label === c.label)?.estimates[m] ?? { mean: 0, lo: 0, hi: 0 }) })),
  });
}
