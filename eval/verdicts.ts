/**
 * Per-claim verdicts: each claim of the paper (Cones 2 layout guidance, residual subjects) and of the report
 * (adaptive tokens, resolution selection, "CFG++", and the reference's self-recurrence) as one paired comparison
 * already run by an experiment (same prompts, boxes and seeds on both sides), judged from the 95% bootstrap interval
 * of the paired change:
 *
 *   'better'   (treatment improves the metric):   supported when the interval is above 0, not supported when it
 *              is at or below 0 (no improvement possible at this n), inconclusive when it straddles 0.
 *   'no-worse' (treatment keeps the metric within MARGIN): supported when the interval's lower end is above
 *              -MARGIN, not supported when its upper end is below -MARGIN, inconclusive otherwise.
 *
 * Metrics where lower is better (two-coloured blobs) are negated first, so "change" always reads "+ = better".
 */
import type { CellResult } from './evaluate';
import { imageMetric, pairedDifference, type Estimate } from './metrics';

/** Largest loss (in rate points, 0.10 = 10 points) a 'no-worse' claim tolerates. */
export const NO_WORSE_MARGIN = 0.1;

export interface Claim {
  claim: string;
  source: 'paper' | 'report' | 'reference code';
  experiment: string;
  set: string;
  baseline: string;
  treatment: string;
  metric: string;
  kind: 'better' | 'no-worse';
  lowerIsBetter?: boolean;
}

export type VerdictText = 'supported' | 'not supported' | 'inconclusive at this n' | 'not measured';

export interface Verdict {
  claim: Claim;
  /** Paired change treatment - baseline, negated when lower is better (+ = better). */
  change?: Estimate;
  verdict: VerdictText;
}

/** The claims; `customSets` are the `<subject>_alone` sets of the run's custom experiment (one residual claim each). */
export function claims(customSets: readonly string[]): Claim[] {
  const layout = (set: string, metric: string, claim: string, lowerIsBetter = false): Claim => ({
    claim, source: 'paper', experiment: 'paper', set, baseline: 'no layout', treatment: 'layout (Cones 2)', metric, kind: 'better', lowerIsBetter,
  });
  return [
    layout('two', 'inBox', 'Layout guidance puts each subject in its box (2 subjects)'),
    layout('four', 'inBox', 'Layout guidance puts each subject in its box (4 subjects)'),
    layout('four', 'present', 'Layout guidance reduces omission (4 subjects)'),
    layout('three', 'twoColour', 'Layout guidance reduces merged subjects (3 subjects: two-coloured blobs)', true),
    layout('same_shape', 'inBox', 'Layout guidance separates similar subjects (same shape, 2 colours)'),
    ...customSets.map((set): Claim => ({
      claim: `A residual carries its custom subject (${set.replace(/_alone$/, '')}: recognised)`, source: 'paper',
      experiment: 'custom', set, baseline: 'without residual', treatment: 'with residual', metric: 'recognised', kind: 'better',
    })),
    {
      claim: 'Adaptive-length tokens give more accurate subjects (right shape)', source: 'report',
      experiment: 'tokens', set: 'two', baseline: 'fixed 77', treatment: 'adaptive', metric: 'shapeRight', kind: 'better',
    },
    {
      claim: 'Adaptive-length tokens keep the layout (centroid in box within 10 points)', source: 'report',
      experiment: 'tokens', set: 'two', baseline: 'fixed 77', treatment: 'adaptive', metric: 'inBox', kind: 'no-worse',
    },
    {
      claim: 'Guiding only the highest resolution separates subjects better (two-coloured blobs)', source: 'report',
      experiment: 'resolutions', set: 'two', baseline: 'all resolutions', treatment: 'highest:1', metric: 'twoColour', kind: 'better', lowerIsBetter: true,
    },
    {
      claim: 'Guiding only the highest resolution keeps the layout (within 10 points)', source: 'report',
      experiment: 'resolutions', set: 'two', baseline: 'all resolutions', treatment: 'highest:1', metric: 'inBox', kind: 'no-worse',
    },
    {
      claim: 'The report\'s "CFG++" (sigma-scaled CFG) improves composition (right count)', source: 'report',
      experiment: 'guidance', set: 'two', baseline: 'CFG', treatment: 'sigma-scaled CFG (matched)', metric: 'countRight', kind: 'better',
    },
    {
      claim: 'CFG++ (Chung et al.) improves composition (right count)', source: 'report',
      experiment: 'guidance', set: 'two', baseline: 'CFG', treatment: 'CFG++ (matched lambda)', metric: 'countRight', kind: 'better',
    },
    {
      claim: 'Self-recurrence improves layout adherence (centroid in box)', source: 'reference code',
      experiment: 'self_recurrence', set: 'two', baseline: 'off', treatment: 'on', metric: 'inBox', kind: 'better',
    },
  ];
}

/** The verdicts of a run: every claim, from the cells of the experiments it ran. */
export function runVerdicts(results: readonly { experiment: { id: string }; cells: readonly CellResult[] }[]): Verdict[] {
  const byId = new Map(results.map((r) => [r.experiment.id, r.cells]));
  const custom = [...new Set((byId.get('custom') ?? []).map((c) => c.set).filter((s) => s.endsWith('_alone')))];
  return verdicts(claims(custom), byId);
}

/** The verdict of one interval (+ = better). */
export function judge(kind: Claim['kind'], change: Estimate): Exclude<VerdictText, 'not measured'> {
  if (kind === 'better') {
    if (change.lo > 0) return 'supported';
    if (change.hi <= 0) return 'not supported';
    return 'inconclusive at this n';
  }
  if (change.lo > -NO_WORSE_MARGIN) return 'supported';
  if (change.hi < -NO_WORSE_MARGIN) return 'not supported';
  return 'inconclusive at this n';
}

/** Verdicts from the cells of each experiment (by id); a claim whose cells were not run is 'not measured'. */
export function verdicts(list: readonly Claim[], cellsByExperiment: ReadonlyMap<string, readonly CellResult[]>): Verdict[] {
  return list.map((claim) => {
    const cells = cellsByExperiment.get(claim.experiment) ?? [];
    const base = cells.find((c) => c.set === claim.set && c.label === claim.baseline);
    const treated = cells.find((c) => c.set === claim.set && c.label === claim.treatment);
    if (!base || !treated || base.images.length !== treated.images.length || !base.images.length) return { claim, verdict: 'not measured' };
    const sign = claim.lowerIsBetter ? -1 : 1;
    const change = pairedDifference(base.images.map((r) => sign * imageMetric(r, claim.metric)), treated.images.map((r) => sign * imageMetric(r, claim.metric)));
    return { claim, change, verdict: judge(claim.kind, change) };
  });
}
