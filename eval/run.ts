/**
 * `npm run eval`: the quality evaluation of the embedded shapes model (issue 6).
 *
 *   node --import tsx eval/run.ts [--model DIR] [--n N] [--steps N] [--cfg W] [--only id,id] [--out DIR] [--quick]
 *
 * Runs every experiment of eval/experiments.ts on the sets of eval/sets.ts and writes REPORT.md plus report/
 * (SVG plots, an example grid PNG, results.json) to --out (default eval/; --quick defaults to a temp folder, so CI
 * never overwrites the committed report). Progress goes to stderr. Exit codes: 0 done, 2 bad arguments or model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadSdModel } from '../diffusion/model/load';
import { EVAL_CODES, EvalError } from './codes';
import { loadCustomResiduals } from './custom-residuals';
import { modelDigest } from './model-digest';
import { CUSTOM_SUBJECTS, recognitionThreshold, referencePatternScore, validateDetector, RECOGNITION_RENDERS, type CustomSubjectName, type DetectorAccuracy } from './detect';
import { Evaluator, type CellResult } from './evaluate';
import { baseFor, experiments as allExperiments, quickExperiments, type Experiment, type Settings } from './experiments';
import { gridPng, type GridTile } from './output/grid';
import { reportMarkdown } from './output/markdown';
import { runVerdicts } from './verdicts';
import { plotFor } from './output/plots';
import { mulberry32 } from './random';
import { backgroundSets, boxSizeSets, customSets, halvesSets, heldoutSets, standardSets, type EvalSet } from './sets';

const ROOT = resolve(import.meta.dirname, '..');

export interface RunOptions {
  model: string;
  n: number;
  steps: number;
  cfg: number;
  only: string[] | null;
  out: string;
  quick: boolean;
  detectorScenes: number;
}

export function parseArgs(argv: readonly string[]): RunOptions {
  const quick = argv.includes('--quick');
  const o: RunOptions = { model: join(ROOT, 'models', 'shapes'), n: quick ? 4 : 16, steps: quick ? 10 : 20, cfg: 5, only: null, out: quick ? join(tmpdir(), 'cones-eval-quick') : join(ROOT, 'eval'), quick, detectorScenes: quick ? 20 : 200 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--quick') continue;
    const value = argv[++i];
    const num = (): number => {
      const v = Number(value);
      if (!Number.isFinite(v) || v <= 0) throw new EvalError(EVAL_CODES.args, `Expected a positive number after ${flag} but received ${JSON.stringify(value)}.`);
      return v;
    };
    if (flag === '--model') o.model = resolve(value);
    else if (flag === '--n') o.n = Math.round(num());
    else if (flag === '--steps') o.steps = Math.round(num());
    else if (flag === '--cfg') o.cfg = num();
    else if (flag === '--only') o.only = value.split(',').map((s) => s.trim()).filter(Boolean);
    else if (flag === '--out') o.out = resolve(value);
    else throw new EvalError(EVAL_CODES.args, `Expected one of --model, --n, --steps, --cfg, --only, --out, --quick but received ${JSON.stringify(flag)}.`);
    if (value === undefined) throw new EvalError(EVAL_CODES.args, `Expected a value after ${flag}.`);
  }
  return o;
}

export async function runEvaluation(o: RunOptions, log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<{ markdown: string; cells: CellResult[] }> {
  const started = Date.now();
  const model = await loadSdModel(o.model).catch((err: unknown) => {
    throw new EvalError(EVAL_CODES.model, `Expected a shapes-world model folder at ${o.model} but it cannot be loaded: ${(err as Error).message}`, { hint: 'Build it (training/README.md) or pass --model DIR.', cause: err });
  });
  const ALL_CUSTOM = Object.keys(CUSTOM_SUBJECTS) as CustomSubjectName[];
  const customSetNames = (names: readonly CustomSubjectName[]): string[] => names.flatMap((n) => [`${n}_alone`, `${n}_pair`]);
  const sets = new Map<string, EvalSet>([...standardSets(o.n), ...boxSizeSets(o.n), ...halvesSets(o.n), ...backgroundSets(o.n), ...heldoutSets(o.n), ...customSets(o.n, ALL_CUSTOM)].map((s) => [s.name, s]));
  // The base condition is the model's recommendation, as the examples' samplers resolve it (-1 / "model").
  const base = baseFor(model.recommended);
  let exps: Experiment[] = o.quick ? quickExperiments(base) : allExperiments({ customSets: customSetNames(ALL_CUSTOM), base });
  if (o.only) {
    const unknown = o.only.filter((id) => !exps.some((e) => e.id === id));
    if (unknown.length) throw new EvalError(EVAL_CODES.args, `Expected experiment ids among ${exps.map((e) => e.id).join(', ')} but received ${unknown.join(', ')}.`);
    exps = exps.filter((e) => o.only!.includes(e.id));
  }
  const residuals: Partial<Record<CustomSubjectName, Float32Array>> = {};
  const customNotes: string[] = [];
  // Residuals are read once, when the first experiment with a custom-subject set starts (they are trained after the
  // model is exported); sets of subjects without a readable residual are dropped from every experiment.
  let residualNames: CustomSubjectName[] | null = null;
  const loadResiduals = (): CustomSubjectName[] => {
    if (residualNames) return residualNames;
    residualNames = [];
    try {
      const found = loadCustomResiduals(join(o.model, 'residuals'), model.textWidth);
      Object.assign(residuals, found.vectors);
      residualNames = Object.keys(found.vectors) as CustomSubjectName[];
      customNotes.push(...found.notes, ...residualNames.map((name) => `${name}: ground-truth pattern score ${referencePatternScore(name, mulberry32(77), 12).toFixed(2)} (12 renders of the subject alone)`));
      customNotes.push(...residualNames.map((name) => {
        const t = recognitionThreshold(name);
        return `${name}: recognised when its colour is found and its pattern score is >= ${t.threshold.toFixed(2)} (half of ${t.reference.toFixed(2)}, the mean of ${RECOGNITION_RENDERS} renders with data.py's random pattern phase)`;
      }));
    } catch (err) {
      customNotes.push(`custom residuals unreadable (${(err as Error).message}): custom subjects not measured`);
    }
    return residualNames;
  };
  const subjectOf = (setName: string): CustomSubjectName | undefined => sets.get(setName)?.samples[0]?.subjects[0]?.custom;
  log(`detector self-check on ${o.detectorScenes} ground-truth scenes...`);
  const detector = validateDetector(mulberry32(51), o.detectorScenes);
  const modelLabel = `${model.id} (${relative(ROOT, o.model) || o.model}, weights ${modelDigest(o.model)})`;
  const evaluator = new Evaluator({ model, steps: o.steps, cfg: o.cfg, residuals, base, onImage: (k, id) => { if (k % 10 === 0) log(`  ${k} images (${id}), ${((Date.now() - started) / 1000).toFixed(0)} s`); } });
  const results: { experiment: Experiment; cells: CellResult[]; plot?: string }[] = [];
  let markdown = '';
  // The report is rewritten after every experiment, so an interrupted run still leaves what it measured.
  for (const [index, planned] of exps.entries()) {
    let e = planned;
    if (e.sets.some((s) => subjectOf(s))) {
      const names = loadResiduals();
      // Ordinary sets first, then the custom sets of each subject with a residual, in the residual files' order.
      const kept = [...e.sets.filter((s) => !subjectOf(s)), ...names.flatMap((n) => e.sets.filter((s) => subjectOf(s) === n))];
      if (!kept.length) { log(`no custom-subject residuals: ${e.id} experiment skipped`); continue; }
      if (kept.length < e.sets.length) log(`${e.id}: no residual for ${e.sets.filter((s) => !kept.includes(s)).join(', ')}: not measured`);
      e = { ...e, sets: kept };
    }
    log(`experiment ${e.id}: ${e.title}`);
    const cells: CellResult[] = [];
    for (const setName of e.sets) {
      const set = sets.get(setName)!;
      for (const c of e.conditions) if (!c.sets || c.sets.includes(setName)) cells.push(await evaluator.cell(set, c.label, c.settings));
    }
    results.push({ experiment: e, cells });
    const notes = index < exps.length - 1 ? [`partial report: ${exps.slice(index + 1).map((x) => x.id).join(', ')} still to run`] : [];
    markdown = await writeOutputs(o, results, { started, evaluator, detector, customNotes, modelLabel, notes, base });
  }
  log(`wrote ${join(o.out, 'REPORT.md')} (${evaluator.generated} images, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return { markdown, cells: results.flatMap((r) => r.cells) };
}

async function writeOutputs(o: RunOptions, results: { experiment: Experiment; cells: CellResult[]; plot?: string }[], x: { started: number; evaluator: Evaluator; detector: DetectorAccuracy; customNotes: string[]; modelLabel: string; notes: string[]; base: Settings }): Promise<string> {
  mkdirSync(join(o.out, 'report'), { recursive: true });
  for (const r of results) {
    const svg = plotFor(r.experiment, r.cells);
    if (!svg) continue;
    writeFileSync(join(o.out, 'report', `${r.experiment.id}.svg`), svg);
    r.plot = `report/${r.experiment.id}.svg`;
  }
  const grid = exampleRows(results);
  if (grid.length) writeFileSync(join(o.out, 'report', 'examples.png'), await gridPng(grid));
  const cells = results.flatMap((r) => r.cells);
  writeFileSync(join(o.out, 'report', 'results.json'), `${JSON.stringify(cells.map((c) => ({ set: c.set, condition: c.label, settings: c.settings, estimates: c.estimates })), null, 1)}\n`);
  const guidanceNotes = (['cfgpp', 'sigma_scaled_cfg'] as const).map((k) => {
    const g = x.evaluator.guidanceFor(k);
    return g.rule.kind === 'cfgpp' ? `CFG++ lambda ${g.rule.lambda.toFixed(3)} (mean equivalent CFG scale ${g.meanScale.toFixed(2)}${g.clamped ? ', clamped at lambda 1: cannot reach the CFG scale at this step count' : ''})` : `sigma-scaled CFG base scale ${(g.rule as { scale: number }).scale.toFixed(3)} (mean scale ${g.meanScale.toFixed(2)})`;
  });
  const cpu = cpus();
  const markdown = reportMarkdown({
    command: `npm run eval -- ${process.argv.slice(2).join(' ')}`.trim(), date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `${cpu[0]?.model ?? 'unknown CPU'} x${cpu.length}, Node ${process.version}`, model: x.modelLabel, base: x.base,
    steps: o.steps, cfg: o.cfg, n: o.n, wallSeconds: (Date.now() - x.started) / 1000, images: x.evaluator.generated, guidanceNotes, residualNotes: x.customNotes,
    detector: x.detector, experiments: results, grid: grid.length ? 'report/examples.png' : undefined, notes: x.notes,
    verdicts: runVerdicts(results),
  });
  writeFileSync(join(o.out, 'REPORT.md'), markdown);
  return markdown;
}

/**
 * Example rows: each condition of the paper comparison on the first 6 two-subject samples, then custom subjects;
 * in a run of the model card alone, its two-halves layout rows and custom subjects.
 */
function exampleRows(results: { experiment: Experiment; cells: CellResult[] }[]): GridTile[][] {
  const tile = (r: CellResult['images'][number]): GridTile => ({ image: r.image, boxes: r.sample.subjects.map((s) => ({ box: s.box, colour: s.colour })) });
  const rows: GridTile[][] = [];
  for (const r of results) {
    for (const c of r.cells) {
      const wanted = (r.experiment.id === 'paper' && (c.set === 'two' || c.set === 'same_shape')) || (r.experiment.id === 'custom' && c.set.endsWith('_pair'))
        || (r.experiment.id === 'model' && (c.set === 'two_halves' ? !c.settings.selfRecurrence : c.set.endsWith('_alone')));
      if (wanted) rows.push(c.images.slice(0, 6).map(tile));
    }
  }
  return rows.slice(0, 10);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('eval/run.ts')) {
  try {
    await runEvaluation(parseArgs(process.argv.slice(2)));
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`${e.code ?? 'E_EVAL'}: ${e.message}\n`);
    process.exit(e.code === EVAL_CODES.args || e.code === EVAL_CODES.model ? 2 : 1);
  }
}
