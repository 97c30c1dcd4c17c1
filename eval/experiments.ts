/**
 * What `npm run eval` compares: the paper's comparison (no layout vs layout guidance, 1-4 subjects and similar
 * subjects) and the report's ablations, each a list of conditions run on the same sets (same prompts, boxes, seeds).
 * A condition is the base setting with a few fields changed; identical settings on the same sample are generated
 * once and shared between experiments.
 */
import type { ResolutionSelection } from '../diffusion/layout';
import type { GuidanceRule } from '../diffusion/guidance';

export interface Settings {
  layout: boolean;
  /** both = Cones 2; positive = strengthen only (no hard negative); negative = weaken only (hard negative, no positive term). */
  parts: 'both' | 'positive' | 'negative';
  gw: number;
  resolutions: ResolutionSelection;
  selfRecurrence: boolean;
  /** Fraction of the steps that are guided. */
  guidedFraction: number;
  tokens: 'fixed' | 'adaptive';
  guidance: GuidanceRule['kind'];
  /** Apply custom-subject residuals (custom sets only). */
  residuals: boolean;
}

export interface Condition {
  label: string;
  settings: Settings;
}

export interface Experiment {
  id: string;
  title: string;
  /** Set names (see sets.ts) the conditions run on. */
  sets: string[];
  conditions: Condition[];
  /** Metrics shown in the table, first one plotted. */
  metrics: string[];
}

/**
 * The base: Cones 2 layout guidance with the shapes model's recommended gw (models/shapes/model_index.json
 * "recommended": layout_gw 0.2, cfg 5), strength 2.5, every resolution, every step guided, fixed-77 tokens, CFG.
 * Self-recurrence is off in the base (it doubles the UNet calls of guided steps) and measured separately.
 */
export const BASE: Settings = {
  layout: true, parts: 'both', gw: 0.2, resolutions: 'all', selfRecurrence: false, guidedFraction: 1, tokens: 'fixed', guidance: 'cfg', residuals: true,
};

const c = (label: string, change: Partial<Settings> = {}): Condition => ({ label, settings: { ...BASE, ...change } });
const NO_LAYOUT = c('no layout', { layout: false });
const LAYOUT_METRICS = ['inBox', 'iou', 'present', 'shapeRight', 'countRight', 'duplicates', 'wrongColour', 'twoColour'];

export function experiments(opts: { customSets: string[] }): Experiment[] {
  const list: Experiment[] = [
    { id: 'paper', title: 'Paper comparison: no layout vs Cones 2 layout guidance', sets: ['one', 'two', 'three', 'four', 'same_colour', 'same_shape'], conditions: [NO_LAYOUT, c('layout (Cones 2)')], metrics: LAYOUT_METRICS },
    { id: 'parts', title: 'Strengthen only / weaken only / both', sets: ['two'], conditions: [c('both (Cones 2)'), c('strengthen only (no hard negative)', { parts: 'positive' }), c('weaken only (hard negative only)', { parts: 'negative' })], metrics: LAYOUT_METRICS },
    { id: 'gw', title: 'Guidance weight sweep, small vs large boxes', sets: ['two_small', 'two_large'], conditions: [NO_LAYOUT, ...[0.05, 0.08, 0.2, 0.5, 1].map((gw) => c(`gw ${gw}`, { gw }))], metrics: LAYOUT_METRICS },
    { id: 'guidance', title: 'CFG vs CFG++ vs sigma-scaled CFG at matched mean scale', sets: ['two'], conditions: [c('CFG'), c('CFG++ (matched lambda)', { guidance: 'cfgpp' }), c('sigma-scaled CFG (matched)', { guidance: 'sigma_scaled_cfg' })], metrics: LAYOUT_METRICS },
    { id: 'resolutions', title: 'Resolution selection: all vs highest:1', sets: ['two'], conditions: [c('all resolutions'), c('highest:1', { resolutions: 'highest:1' })], metrics: LAYOUT_METRICS },
    { id: 'self_recurrence', title: 'Self-recurrence off vs on', sets: ['two'], conditions: [c('off'), c('on', { selfRecurrence: true })], metrics: LAYOUT_METRICS },
    { id: 'tokens', title: 'Fixed-77 vs adaptive-length tokens', sets: ['two'], conditions: [c('fixed 77'), c('adaptive', { tokens: 'adaptive' })], metrics: LAYOUT_METRICS },
    { id: 'guidance_steps', title: 'Guided steps: 10 / 25 / 50 / 100% of the steps', sets: ['two'], conditions: [0.1, 0.25, 0.5, 1].map((f) => c(`${f * 100}%`, { guidedFraction: f })), metrics: LAYOUT_METRICS },
  ];
  if (opts.customSets.length) {
    // After the central comparisons (paper, parts, gw, guidance), before the finer ablations.
    list.splice(4, 0, { id: 'custom', title: 'Custom subjects: with vs without the residual', sets: opts.customSets, conditions: [c('without residual', { residuals: false }), c('with residual')], metrics: ['pattern', 'present', 'inBox', 'shapeRight', 'wrongColour'] });
  }
  return list;
}

/** The --quick subset for CI: the central comparison on the two-subject set only. */
export function quickExperiments(): Experiment[] {
  return experiments({ customSets: [] }).filter((e) => e.id === 'paper').map((e) => ({ ...e, sets: ['two'] }));
}

export function settingsKey(s: Settings): string {
  const effective = s.layout ? s : { ...BASE, layout: false, tokens: s.tokens, guidance: s.guidance, residuals: s.residuals };
  return JSON.stringify(effective);
}
