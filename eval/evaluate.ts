/**
 * Runs conditions on evaluation sets: one image per (settings, sample), detected and scored. Images of identical
 * settings on the same sample are generated once (experiments share their base condition).
 */
import type { RgbImage } from '../diffusion/image/encode';
import { REFERENCE_ETA } from '../diffusion/layout';
import type { SdModel } from '../diffusion/model/load';
import { guidedStepCount } from '../diffusion/model/recommended';
import { inferencePlan } from '../diffusion/schedule';
import { detect, nearestBackground, CUSTOM_SUBJECTS, type CustomSubjectName } from './detect';
import { BASE, settingsKey, type Settings } from './experiments';
import { matchedGuidance, type MatchedGuidance } from './matched-guidance';
import { aggregate, bootstrapMean, customSubjectScores, scoreImage, IMAGE_METRICS, type Estimate, type ImageExtras, type ImageScore } from './metrics';
import { sampleImage, type ResidualUse } from './sample';
import { layoutSubjects, type EvalSample, type EvalSet } from './sets';

export interface EvalContext {
  model: SdModel;
  steps: number;
  /** The CFG scale every guidance rule is matched to. */
  cfg: number;
  residuals: Partial<Record<CustomSubjectName, Float32Array>>;
  /** The run's base condition (experiments.ts baseFor; default BASE): the inpainting scenes are made with its layout. */
  base?: Settings;
  onImage?: (done: number, label: string) => void;
}

export interface ImageResult extends ImageExtras {
  sample: EvalSample;
  image: RgbImage;
  score: ImageScore;
}

export interface CellResult {
  set: string;
  label: string;
  settings: Settings;
  images: ImageResult[];
  estimates: Record<string, Estimate>;
}

export class Evaluator {
  private readonly cache = new Map<string, Promise<ImageResult>>();
  private readonly guidance = new Map<string, MatchedGuidance>();
  generated = 0;

  constructor(private readonly ctx: EvalContext) {}

  /** The rule used for a guidance kind at the run's step count (CFG++ / sigma-scaled matched to the CFG scale). */
  guidanceFor(kind: Settings['guidance']): MatchedGuidance {
    let g = this.guidance.get(kind);
    if (!g) {
      const plan = inferencePlan(this.ctx.model.scheduler, this.ctx.steps, { family: 'euler' });
      g = matchedGuidance(kind, this.ctx.cfg, plan.sigmas);
      this.guidance.set(kind, g);
    }
    return g;
  }

  image(settings: Settings, sample: EvalSample): Promise<ImageResult> {
    const key = `${settingsKey(settings)}|${sample.id}|${sample.seed}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.generate(settings, sample);
      this.cache.set(key, p);
    }
    return p;
  }

  private async generate(s: Settings, sample: EvalSample): Promise<ImageResult> {
    const { model, steps } = this.ctx;
    const base = this.ctx.base ?? BASE;
    const residuals: ResidualUse[] = [];
    for (const subject of sample.subjects) {
      const vector = subject.custom && this.ctx.residuals[subject.custom];
      if (s.residuals && vector) residuals.push({ phrase: subject.phrase, vector });
    }
    const layout = {
      subjects: layoutSubjects(sample, s.strength), weight: s.gw, guidanceSteps: guidedStepCount(s.guidedFraction, steps),
      resolutions: s.resolutions, selfRecurrence: s.selfRecurrence, eta: REFERENCE_ETA, parts: s.parts,
    };
    const image = await sampleImage(model, {
      prompt: sample.prompt, tokens: s.tokens, residuals, guidance: this.guidanceFor(s.guidance).rule, steps, seed: sample.seed,
      layout: s.layout ? layout : null,
      // The scene is always made with the base layout settings, so both inpainting conditions start from the same one.
      inpaint: s.inpaint ? { subjects: layoutSubjects(sample, s.strength), sceneLayout: { ...layout, weight: base.gw, parts: base.parts } } : undefined,
    });
    const detection = detect(image);
    const first = sample.subjects[0];
    const custom = first.custom ? { ...customSubjectScores(image, detection, first.custom), baseWord: CUSTOM_SUBJECTS[first.custom].baseWord } : null;
    const pattern = custom ? (custom.pattern ?? 0) : null;
    const recognised = custom ? custom.recognised : null;
    const shape = custom ? (custom.silhouetteShape === custom.baseWord ? 1 : 0) : null;
    this.generated++;
    this.ctx.onImage?.(this.generated, sample.id);
    const background = sample.background ? (nearestBackground(detection.background) === sample.background ? 1 : 0) : null;
    return { sample, image, score: scoreImage(sample.subjects, detection), pattern, recognised, silhouetteShape: shape, background };
  }

  /** Sequential on purpose: ORT already uses every core for one UNet call. */
  async cell(set: EvalSet, label: string, settings: Settings): Promise<CellResult> {
    const images: ImageResult[] = [];
    for (const sample of set.samples) images.push(await this.image(settings, sample));
    const estimates: Record<string, Estimate> = { ...aggregate(images.map((r) => r.score), IMAGE_METRICS) };
    const patterns = images.map((r) => r.pattern).filter((v): v is number => v !== null);
    if (patterns.length) estimates.pattern = bootstrapMean(patterns);
    const recognised = images.map((r) => r.recognised).filter((v): v is number => v !== null);
    if (recognised.length) estimates.recognised = bootstrapMean(recognised);
    const shapes = images.map((r) => r.silhouetteShape).filter((v): v is number => v !== null);
    if (shapes.length) estimates.silhouetteShape = bootstrapMean(shapes);
    const background = images.map((r) => r.background).filter((v): v is number => v !== null);
    if (background.length) estimates.background = bootstrapMean(background);
    return { set: set.name, label, settings, images, estimates };
  }
}
