/**
 * What `npm run eval` compares: the paper's comparison (no layout vs layout guidance, 1-4 subjects and similar
 * subjects) and the report's ablations, each a list of conditions run on the same sets (same prompts, boxes, seeds).
 * A condition is the base setting with a few fields changed; identical settings on the same sample are generated
 * once and shared between experiments.
 */
import { DEFAULT_SUBJECT_STRENGTH, type ResolutionSelection } from '../diffusion/layout';
import type { GuidanceRule } from '../diffusion/guidance';
import type { LayoutSettings } from '../diffusion/model/recommended';

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
  /** gamma+, the layout strength of every subject's box (LayoutBoxes `strength`; the reference's 2.5). */
  strength: number;
  /**
   * Inpainting: the last subject is painted into its box of a scene that has the others (generated first, with
   * layout, from the same seed), the rest of the scene kept (eval/sample.ts). `layout` then says whether that
   * second pass is layout-guided.
   */
  inpaint: boolean;
}

export interface Condition {
  label: string;
  settings: Settings;
  /** Run only on these sets of the experiment (default: every set). */
  sets?: string[];
}

/** One line of an experiment's summary table: a measurement quoted from one or more of its cells. */
export interface SummaryRow {
  measurement: string;
  /** The values shown, joined by " / ": a metric of the cell (set, condition). */
  parts: { set: string; condition: string; metric: string }[];
  /** Shown in brackets after the parts, joined by " / ". */
  detail?: { set: string; condition: string; metric: string }[];
  target?: string;
}

export interface Experiment {
  id: string;
  title: string;
  /** Set names (see sets.ts) the conditions run on. */
  sets: string[];
  conditions: Condition[];
  /** Metrics shown in the table, first one plotted. */
  metrics: string[];
  /** Lines printed under the experiment's title (what it measures, how). */
  description?: string[];
  /** A summary table printed before the per-cell table (which then has no paired-change column). */
  summary?: SummaryRow[];
}

/**
 * The base: Cones 2 layout guidance with the shapes model's recommended settings (models/shapes/model_index.json
 * "cones_graph" layout: gw 0.2, every step guided, no self-recurrence; cfg 5; chosen by
 * experiment `defaults`), strength 2.5 (checked by experiment `strength`), every resolution, fixed-77 tokens, CFG.
 * Self-recurrence is off in the base (it doubles the UNet calls of guided steps) and measured separately.
 * A run's base is baseFor(the evaluated model's recommendation): the settings the examples' samplers resolve to
 * (-1 / "model"), so `--model` on another build evaluates it at its own recommendation. BASE is that base for the
 * embedded model (a test checks it against models/shapes/model_index.json).
 */
export const BASE: Settings = {
  layout: true, parts: 'both', gw: 0.2, resolutions: 'all', selfRecurrence: false, guidedFraction: 1, tokens: 'fixed', guidance: 'cfg', residuals: true,
  inpaint: false, strength: DEFAULT_SUBJECT_STRENGTH,
};

/** How many of the steps a guided-fraction setting guides, in words: "every step guided", "the first 25% of the steps guided". */
export function guidedSteps(fraction: number): string {
  return fraction >= 1 ? 'every step guided' : `the first ${fraction * 100}% of the steps guided`;
}

/** The base condition of a model recommending `rec`: BASE with the model's gw, guided fraction and self-recurrence. */
export function baseFor(rec: LayoutSettings): Settings {
  return { ...BASE, gw: rec.gw, guidedFraction: rec.guidedFraction, selfRecurrence: rec.selfRecurrence };
}

/** A condition: the base with a few fields changed. */
type ConditionOf = (label: string, change?: Partial<Settings>) => Condition;
const conditionsOn = (base: Settings): ConditionOf => (label, change = {}) => ({ label, settings: { ...base, ...change } });
/** The settings `defaults` compares (defaultCandidates puts the evaluated model's recommendation first). */
export const DEFAULT_CANDIDATES = [
  { guidedFraction: 0.25, gw: 0.2 }, { guidedFraction: 0.5, gw: 0.2 }, { guidedFraction: 1, gw: 0.2 },
  { guidedFraction: 0.5, gw: 0.5 }, { guidedFraction: 0.25, gw: 0.5 },
] as const;

/**
 * The `defaults` candidates in run order: the base's own (the evaluated model's recommendation) first, so each table's
 * paired change column compares every other candidate with what the model recommends now; a recommendation outside
 * DEFAULT_CANDIDATES is added to them.
 */
export function defaultCandidates(base: Settings): { guidedFraction: number; gw: number }[] {
  const own = { guidedFraction: base.guidedFraction, gw: base.gw };
  return [own, ...DEFAULT_CANDIDATES.filter((c) => c.guidedFraction !== own.guidedFraction || c.gw !== own.gw)];
}
/** The subject strengths `strength` compares; the first is the base (the LayoutBoxes default). */
export const SUBJECT_STRENGTHS = [DEFAULT_SUBJECT_STRENGTH, 1.5, 4] as const;
const LAYOUT_METRICS = ['inBox', 'iou', 'present', 'shapeRight', 'countRight', 'duplicates', 'wrongColour', 'twoColour'];

export function experiments(opts: { customSets: string[]; base?: Settings }): Experiment[] {
  const base = opts.base ?? BASE;
  const c = conditionsOn(base);
  const NO_LAYOUT = c('no layout', { layout: false });
  const list: Experiment[] = [
    { id: 'paper', title: 'Paper comparison: no layout vs Cones 2 layout guidance', sets: ['one', 'two', 'three', 'four', 'same_colour', 'same_shape'], conditions: [NO_LAYOUT, c('layout (Cones 2)')], metrics: LAYOUT_METRICS },
    { id: 'parts', title: 'Strengthen only / weaken only / both', sets: ['two'], conditions: [c('both (Cones 2)'), c('strengthen only (no hard negative)', { parts: 'positive' }), c('weaken only (hard negative only)', { parts: 'negative' })], metrics: LAYOUT_METRICS },
    { id: 'gw', title: 'Guidance weight sweep, small vs large boxes', sets: ['two_small', 'two_large'], conditions: [NO_LAYOUT, ...[0.05, 0.08, 0.2, 0.5, 1].map((gw) => c(`gw ${gw}`, { gw }))], metrics: LAYOUT_METRICS },
    { id: 'guidance', title: 'CFG vs CFG++ vs sigma-scaled CFG at matched mean scale', sets: ['two'], conditions: [c('CFG'), c('CFG++ (matched lambda)', { guidance: 'cfgpp' }), c('sigma-scaled CFG (matched)', { guidance: 'sigma_scaled_cfg' })], metrics: LAYOUT_METRICS },
    { id: 'resolutions', title: 'Resolution selection: all vs highest:1', sets: ['two'], conditions: [c('all resolutions'), c('highest:1', { resolutions: 'highest:1' })], metrics: LAYOUT_METRICS },
    { id: 'self_recurrence', title: 'Self-recurrence off vs on', sets: ['two'], conditions: [c('off'), c('on', { selfRecurrence: true })], metrics: LAYOUT_METRICS },
    { id: 'tokens', title: 'Fixed-77 vs adaptive-length tokens', sets: ['two'], conditions: [c('fixed 77'), c('adaptive', { tokens: 'adaptive' })], metrics: LAYOUT_METRICS },
    {
      id: 'inpaint', title: 'Inpainting a subject into a box of a generated scene: no layout vs Cones 2 layout', sets: ['two'],
      conditions: [c('inpaint, no layout', { inpaint: true, layout: false }), c('inpaint, layout (Cones 2)', { inpaint: true })],
      metrics: LAYOUT_METRICS,
      description: ['The scene: the first subject alone ("a <phrase>") with layout in its box; then the full prompt with the second subject\'s box as the inpainting mask (denoise 1, the rest of the scene kept), with or without layout guidance on both boxes. The first subject is the same image in both conditions, so differences come from the inpainted one.'],
    },
    { id: 'guidance_steps', title: 'Guided steps: 10 / 25 / 50 / 100% of the steps', sets: ['two'], conditions: [0.1, 0.25, 0.5, 1].map((f) => c(`${f * 100}%`, { guidedFraction: f })), metrics: LAYOUT_METRICS },
    {
      id: 'defaults', title: 'Choosing the defaults: guided steps x gw on 1-4 subjects', sets: ['one', 'two', 'three', 'four'],
      conditions: defaultCandidates(base).map(({ guidedFraction, gw }) => c(`${guidedFraction * 100}% guided, gw ${gw}`, { guidedFraction, gw })),
      metrics: LAYOUT_METRICS,
      description: ['The candidates for the example graphs\' and the model\'s recommended settings, the model\'s current recommendation first (each paired change is against it): the one that maximises right count at >= 95% centroid in box on every set wins (README, "Evaluation").'],
    },
    {
      id: 'strength', title: 'Layout strength gamma+ of the subjects\' boxes on 1-4 subjects', sets: ['one', 'two', 'three', 'four'],
      conditions: SUBJECT_STRENGTHS.map((strength) => c(`strength ${strength}`, { strength })),
      metrics: LAYOUT_METRICS,
      description: ['The LayoutBoxes default (2.5, the reference\'s) against a weaker and a stronger box at the base settings; the same rule as `defaults` (most right counts at >= 95% centroid in box on every set).'],
    },
    {
      id: 'background', title: 'Background colour words: no layout vs Cones 2 layout', sets: ['one_background', 'two_background'],
      conditions: [NO_LAYOUT, c('layout (Cones 2)')], metrics: ['background', 'present', 'countRight', 'inBox'],
      description: ['Prompts end with " on a <white|gray|cream> background" (training/data.py\'s wording); right when the detected background (the dominant border colour) is nearest to the named one.'],
    },
  ];
  if (opts.customSets.length) {
    // After the central comparisons (paper, parts, gw, guidance), before the finer ablations.
    list.splice(4, 0, { id: 'custom', title: 'Custom subjects: with vs without the residual', sets: opts.customSets, conditions: [c('without residual', { residuals: false }), c('with residual')], metrics: ['pattern', 'present', 'inBox', 'shapeRight', 'countRight', 'wrongColour'] });
  }
  list.push(modelCard(opts.customSets.filter((s) => s.endsWith('_alone')), base));
  list.push(targets(opts.customSets.filter((s) => s.endsWith('_alone')), base));
  return list;
}

/**
 * Issue 28's targets on the held-out split (sets.ts heldoutSets; a model built with HELDOUT=1 never saw its
 * multi-subject scenes), at the examples' defaults (the base condition), plus each custom subject's bare word with and
 * without its residual.
 */
function targets(customAlone: string[], base: Settings): Experiment {
  const c = conditionsOn(base);
  const noLayout = c('no layout', { layout: false });
  const layout = c('layout (defaults)');
  const conditions: Condition[] = [
    { ...noLayout, sets: ['heldout_one', 'heldout_one_background'] },
    { ...layout, sets: ['heldout_one', 'heldout_two', 'heldout_four', 'heldout_two_background'] },
    { ...c('without residual', { layout: false, residuals: false }), sets: customAlone },
    { ...c('with residual', { layout: false }), sets: customAlone },
  ];
  const summary: SummaryRow[] = [
    { measurement: '1 subject: right count, no layout / layout', parts: [at('heldout_one', noLayout.label, 'countRight'), at('heldout_one', layout.label, 'countRight')], target: '>= 90% / >= 90%' },
    { measurement: '2 subjects (held-out pairs), layout: right count / centroid in box / two-coloured blobs (of them with colours mixed)', parts: ['countRight', 'inBox', 'twoColour'].map((m) => at('heldout_two', layout.label, m)), detail: [at('heldout_two', layout.label, 'twoColourBlended')], target: '>= 85% / >= 95% / <= 15%' },
    { measurement: '4 subjects (held-out scenes), layout: centroid in box / right count', parts: ['inBox', 'countRight'].map((m) => at('heldout_four', layout.label, m)), target: '>= 90% / >= 70%' },
    { measurement: 'background colour word right: 1 subject, no layout / 2 subjects, layout', parts: [at('heldout_one_background', noLayout.label, 'background'), at('heldout_two_background', layout.label, 'background')], target: '>= 90% / >= 90%' },
    ...customAlone.map((set): SummaryRow => ({
      measurement: `custom subject ${set.replace(/_alone$/, '')}: recognised with / without the residual; right shape (silhouette) with it`,
      parts: [at(set, 'with residual', 'recognised'), at(set, 'without residual', 'recognised'), at(set, 'with residual', 'silhouetteShape')],
      target: '>= 70% / <= 5% / >= 80%',
    })),
  ];
  return {
    id: 'targets', title: 'Issue 28\'s targets on the held-out split',
    sets: ['heldout_one', 'heldout_two', 'heldout_four', 'heldout_one_background', 'heldout_two_background', ...customAlone],
    conditions, summary,
    metrics: ['countRight', 'inBox', 'twoColour', 'twoColourBlended', 'present', 'duplicates', 'shapeRight', 'background', 'recognised', 'silhouetteShape', 'pattern'],
    description: [
      'Held-out split (eval/heldout.ts, the rule of training/data.py heldout_pair): every 2- and 4-subject prompt holds a pair of objects that a model trained with HELDOUT=1 never saw together; 1-subject prompts get fresh boxes and seeds. Layout rows use the examples\' defaults (the base condition); custom subjects are their bare base word ("a circle") without layout.',
    ],
  };
}

/** A summary row's reference to one metric of one cell. */
const at = (set: string, condition: string, metric: string) => ({ set, condition, metric });

/** Layout weights of the model card's layout rows. */
export const MODEL_CARD_GWS = [0.08, 0.2, 0.5] as const;
const MODEL_CARD_SELF_RECURRENCE_GWS = [0.08, 0.2] as const;

/**
 * The model card (README, "The embedded model"): the measurements training/eval_quality.py made with its own
 * Python detector, now made by this evaluation. 1-object prompts without layout ("one"); 2-object prompts without
 * layout and with boxes = the two halves of the image at several gw ("two_halves", the no-layout images serve both
 * rows); each custom subject's bare base word ("a circle", sets "<subject>_alone") without layout, with and without
 * its residual.
 */
function modelCard(customAlone: string[], base: Settings): Experiment {
  const c = conditionsOn(base);
  const sr = (gw: number): string => `gw ${gw} + self-recurrence`;
  const noLayout = { layout: false } as const;
  const conditions: Condition[] = [
    { ...c('no layout', noLayout), sets: ['one', 'two_halves'] },
    ...MODEL_CARD_GWS.map((gw) => ({ ...c(`gw ${gw}`, { gw }), sets: ['two_halves'] })),
    ...MODEL_CARD_SELF_RECURRENCE_GWS.map((gw) => ({ ...c(sr(gw), { gw, selfRecurrence: true }), sets: ['two_halves'] })),
    { ...c('without residual', { ...noLayout, residuals: false }), sets: customAlone },
    { ...c('with residual', noLayout), sets: customAlone },
  ];
  const summary: SummaryRow[] = [
    { measurement: '1 object: right colour present / right shape', parts: [at('one', 'no layout', 'present'), at('one', 'no layout', 'shapeRight')], target: '95% / 80%' },
    { measurement: '2 objects, no layout: requested objects present (leakage: unrequested colour / two-coloured blobs)', parts: [at('two_halves', 'no layout', 'present')], detail: [at('two_halves', 'no layout', 'wrongColour'), at('two_halves', 'no layout', 'twoColour')], target: '85%' },
    { measurement: `2 objects in two boxes (the image's halves): centroids inside their box, no layout / ${MODEL_CARD_GWS.map((g) => `gw ${g}`).join(' / ')}`, parts: [at('two_halves', 'no layout', 'inBox'), ...MODEL_CARD_GWS.map((gw) => at('two_halves', `gw ${gw}`, 'inBox'))], target: '95% with the bias' },
    { measurement: `2 objects in two boxes: two-coloured blobs, no layout / ${MODEL_CARD_GWS.map((g) => `gw ${g}`).join(' / ')}`, parts: [at('two_halves', 'no layout', 'twoColour'), ...MODEL_CARD_GWS.map((gw) => at('two_halves', `gw ${gw}`, 'twoColour'))] },
    { measurement: `2 objects in two boxes, with self-recurrence: centroids inside their box, ${MODEL_CARD_SELF_RECURRENCE_GWS.map((g) => `gw ${g}`).join(' / ')}`, parts: MODEL_CARD_SELF_RECURRENCE_GWS.map((gw) => at('two_halves', sr(gw), 'inBox')) },
    ...customAlone.map((set): SummaryRow => ({
      measurement: `custom subject ${set.replace(/_alone$/, '')}: recognised with / without the residual (pattern score with / without)`,
      parts: [at(set, 'with residual', 'recognised'), at(set, 'without residual', 'recognised')],
      detail: [at(set, 'with residual', 'pattern'), at(set, 'without residual', 'pattern')],
      target: 'recognisable with, not without',
    })),
  ];
  return {
    id: 'model', title: 'Model card: what the embedded model can do (README, "The embedded model")',
    sets: ['one', 'two_halves', ...customAlone], conditions, summary,
    metrics: ['present', 'shapeRight', 'countRight', 'inBox', 'wrongColour', 'twoColour', 'recognised', 'silhouetteShape', 'pattern'],
    description: [
      'Sets: "one" (1 object, no layout), "two_halves" (2 objects of distinct colours and shapes; boxes = the two halves of the image, left/right or top/bottom; its no-layout images are also the "2 objects, no layout" row), "<subject>_alone" (the bare base word, e.g. "a circle", no layout, with and without the residual).',
      `Layout rows: the base condition (strength ${base.strength} on every token of each subject phrase, hard negative, ${guidedSteps(base.guidedFraction)}) at the gw named; self-recurrence rows add the reference's self-recurrence.`,
      'Recognised (custom subjects): the subject\'s colour is found and its pattern score is at least half the mean score of 40 training-like renders (data.py\'s random pattern phase; thresholds in the notes above).',
    ],
  };
}

/** The --quick subset for CI: the central comparison on the two-subject set only. */
export function quickExperiments(base: Settings = BASE): Experiment[] {
  return experiments({ customSets: [], base }).filter((e) => e.id === 'paper').map((e) => ({ ...e, sets: ['two'] }));
}

export function settingsKey(s: Settings): string {
  const effective = s.layout ? s : { ...BASE, layout: false, tokens: s.tokens, guidance: s.guidance, residuals: s.residuals, inpaint: s.inpaint };
  return JSON.stringify(effective);
}
