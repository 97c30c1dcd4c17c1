import { BENCH_CODES, BenchError } from './codes';

/** Order statistics of repeated timings (milliseconds). */
export interface Summary {
  n: number;
  median: number;
  p25: number;
  p75: number;
  min: number;
}

/** Quantile with linear interpolation between order statistics (numpy's default, "type 7"). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new BenchError(BENCH_CODES.stats, 'Expected at least one sample for a quantile but received none.');
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function summarize(values: readonly number[]): Summary {
  return { n: values.length, median: median(values), p25: quantile(values, 0.25), p75: quantile(values, 0.75), min: Math.min(...values) };
}

/** Ratio of medians a / b. */
export function ratioOfMedians(a: readonly number[], b: readonly number[]): number {
  const mb = median(b);
  if (!(mb > 0)) throw new BenchError(BENCH_CODES.stats, `Expected a positive median for the ratio's denominator but received ${mb}.`);
  return median(a) / mb;
}

/**
 * Per-repeat ratios a[i] / b[i] of interleaved runs. Their spread says how much of a small difference is noise:
 * a ratio of medians of 1.02 with pair ratios from 0.97 to 1.08 is not a measured 2% overhead.
 */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) {
    throw new BenchError(BENCH_CODES.stats, `Expected paired samples of equal length but received ${a.length} and ${b.length}.`);
  }
  return a.map((v, i) => v / b[i]);
}
