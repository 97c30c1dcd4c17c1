/**
 * A model's recommended layout-guidance settings, read from its model_index.json:
 *
 *   "cones_graph": { "layout": { "gw": 0.2, "guided_fraction": 0.25, "self_recurrence": false } }
 *
 * Every key is optional; a key the file lacks (or a model_index.json without the block, as every Stable Diffusion
 * export has) falls back to the Cones 2 reference's value on SD 2.1: gw 0.08, every step guided, self-recurrence on.
 * The folder is untrusted input: a value of the wrong type or out of range is a problem (a load warning that names
 * the key, the value and the fallback), never a crash and never used.
 *
 * resolveLayoutSettings() turns a sampler's request (a value, or "model" for the recommendation) into the settings
 * one run uses: guided steps = guidedStepCount(guided_fraction, steps), so the recommendation follows the step count.
 */

export interface LayoutSettings {
  /** gw of the Cones 2 bias gw * eta(sigma) * std(logits) * W. */
  gw: number;
  /** Share of the steps guided, from the first: in [0, 1]. */
  guidedFraction: number;
  /** Each guided step run twice (the reference's behaviour). */
  selfRecurrence: boolean;
}

export type SettingSource = 'model' | 'reference';

export interface Recommendation extends LayoutSettings {
  /** Where each value came from. */
  from: Record<keyof LayoutSettings, SettingSource>;
  /** What the model_index.json block got wrong (each one fell back to the reference). */
  problems: string[];
}

/** The Cones 2 reference scripts' settings on SD 2.1 (guidance_weight 0.08, every step, self-recurrence). */
export const REFERENCE_LAYOUT: Readonly<LayoutSettings> = Object.freeze({ gw: 0.08, guidedFraction: 1, selfRecurrence: true });

/** The sampler input range of gw (GuidedSampler layout_weight). */
export const MAX_GW = 10;

const KEYS: { key: keyof LayoutSettings; json: string; valid: (v: unknown) => boolean; expected: string }[] = [
  { key: 'gw', json: 'gw', valid: (v) => isNumberIn(v, 0, MAX_GW), expected: `a number in [0, ${MAX_GW}]` },
  { key: 'guidedFraction', json: 'guided_fraction', valid: (v) => isNumberIn(v, 0, 1), expected: 'a number in [0, 1]' },
  { key: 'selfRecurrence', json: 'self_recurrence', valid: (v) => typeof v === 'boolean', expected: 'true or false' },
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberIn = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;

/** Short, bounded rendering of an untrusted value for a message. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The recommendation of a parsed model_index.json (null = the folder has none). */
export function readRecommendation(modelIndex: Record<string, unknown> | null): Recommendation {
  const out: Recommendation = {
    ...REFERENCE_LAYOUT,
    from: { gw: 'reference', guidedFraction: 'reference', selfRecurrence: 'reference' },
    problems: [],
  };
  const block = modelIndex?.cones_graph;
  if (block === undefined) return out;
  if (!isObject(block) || (block.layout !== undefined && !isObject(block.layout))) {
    out.problems.push(`model_index.json "cones_graph" should be {"layout": {...}} but is ${shown(block)}; using the Cones 2 reference's layout settings.`);
    return out;
  }
  const layout = (block.layout ?? {}) as Record<string, unknown>;
  for (const { key, json, valid, expected } of KEYS) {
    const value = layout[json];
    if (value === undefined) continue;
    if (!valid(value)) {
      out.problems.push(`model_index.json cones_graph.layout.${json} should be ${expected} but is ${shown(value)}; ` +
        `using the Cones 2 reference's ${shown(REFERENCE_LAYOUT[key])}.`);
      continue;
    }
    (out as unknown as Record<string, unknown>)[key] = value;
    out.from[key] = 'model';
  }
  return out;
}

/**
 * One line for a loader's UI: what the model recommends, or that the reference's values apply. When the model names
 * only some keys, the others are tagged "(reference)" so no reference value passes for the model's.
 */
export function describeRecommendation(r: Recommendation): string {
  const all = Object.values(r.from);
  const mixed = all.includes('model') && all.includes('reference');
  const tag = (key: keyof LayoutSettings): string => (mixed && r.from[key] === 'reference' ? ' (reference)' : '');
  const values = `gw ${r.gw}${tag('gw')}, ${Math.round(r.guidedFraction * 100)}% of the steps guided${tag('guidedFraction')}, ` +
    `self-recurrence ${r.selfRecurrence ? 'on' : 'off'}${tag('selfRecurrence')}`;
  return all.includes('model')
    ? `recommended layout settings: ${values}`
    : `no recommended layout settings: the Cones 2 reference's (${values})`;
}

/** What a sampler asks for: a value, or "model" for the model's recommendation. */
export interface LayoutRequest {
  gw: number | 'model';
  guidanceSteps: number | 'model';
  selfRecurrence: boolean | 'model';
}

export interface ResolvedLayout {
  gw: number;
  /** Steps guided from the first, in [0, steps]. */
  guidanceSteps: number;
  selfRecurrence: boolean;
  /** One line for the node's UI: the values and where the recommended ones came from. */
  note: string;
}

/**
 * Steps a guided fraction guides, from the first: round(fraction x steps), at least one when the fraction is above 0
 * (a layout wired into a 1-step run is not silently ignored), at most every step. The sampler node and the
 * evaluation both use this rule.
 */
export function guidedStepCount(fraction: number, steps: number): number {
  if (!(fraction > 0) || steps < 1) return 0;
  return Math.min(steps, Math.max(1, Math.round(fraction * steps)));
}

/** The settings of one run of `steps` steps. */
export function resolveLayoutSettings(request: LayoutRequest, recommended: Recommendation, steps: number): ResolvedLayout {
  const tag = (key: keyof LayoutSettings, asked: unknown): string =>
    asked === 'model' ? ` (${recommended.from[key] === 'model' ? 'model' : 'reference'})` : '';
  const gw = request.gw === 'model' ? recommended.gw : request.gw;
  const guidanceSteps = Math.min(steps, request.guidanceSteps === 'model'
    ? guidedStepCount(recommended.guidedFraction, steps) : request.guidanceSteps);
  const selfRecurrence = request.selfRecurrence === 'model' ? recommended.selfRecurrence : request.selfRecurrence;
  const note = `gw ${gw}${tag('gw', request.gw)}, ${guidanceSteps} of ${steps} steps guided` +
    `${tag('guidedFraction', request.guidanceSteps)}, self-recurrence ${selfRecurrence ? 'on' : 'off'}` +
    tag('selfRecurrence', request.selfRecurrence);
  return { gw, guidanceSteps, selfRecurrence, note };
}
