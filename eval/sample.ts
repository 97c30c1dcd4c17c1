/**
 * One evaluation image: prompt -> tokens (fixed-77 or adaptive) -> conditioning (+ residuals on their base word) ->
 * generate() with the condition's guidance and layout options -> VAE decode -> 8-bit RGB. The same path as the
 * Tokenize -> Encode -> AddResidual -> GuidedSampler -> VAEDecode graph, without the graph engine.
 */
import type { GuidanceRule } from '../diffusion/guidance';
import { tensorToRgb, type RgbImage } from '../diffusion/image/encode';
import type { BoxSubject, EtaSchedule, ResolutionSelection } from '../diffusion/layout';
import type { SdModel } from '../diffusion/model/load';
import { decodeLatents } from '../diffusion/model/vae';
import { addResidualAtPhrase, encodeConditioning, type Conditioning } from '../diffusion/pipeline/conditioning';
import { generate, type GenerateOptions } from '../diffusion/pipeline/generate';
import type { LayoutParts } from '../diffusion/pipeline/layout-plan';

export interface ResidualUse {
  /** The base word in the prompt that carries the residual (its first token, every occurrence). */
  phrase: string;
  vector: Float32Array;
  strength?: number;
}

export interface LayoutSettings {
  subjects: BoxSubject[];
  weight: number;
  /** Guided steps (<= steps). */
  guidanceSteps: number;
  resolutions: ResolutionSelection;
  selfRecurrence: boolean;
  eta: EtaSchedule;
  /** 'positive' = strengthen only (no hard negative), 'negative' = weaken only, 'both' = Cones 2. */
  parts: LayoutParts;
}

export interface SampleRequest {
  prompt: string;
  tokens: 'fixed' | 'adaptive';
  residuals: ResidualUse[];
  guidance: GuidanceRule;
  steps: number;
  seed: number;
  layout: LayoutSettings | null;
}

export async function conditioningFor(model: SdModel, prompt: string, mode: 'fixed' | 'adaptive', residuals: readonly ResidualUse[]): Promise<Conditioning> {
  let conditioning = await encodeConditioning(model, model.tokenizer.tokenize(prompt, { mode }), '');
  for (const r of residuals) conditioning = addResidualAtPhrase(conditioning, { ...r, source: 'eval' });
  return conditioning;
}

export async function sampleImage(model: SdModel, req: SampleRequest): Promise<RgbImage> {
  const conditioning = await conditioningFor(model, req.prompt, req.tokens, req.residuals);
  const size = model.defaultSize;
  const base: GenerateOptions = { model, conditioning, guidance: req.guidance, sampler: 'euler', steps: req.steps, seed: req.seed, width: size, height: size };
  const l = req.layout;
  const layout = l && { layout: { subjects: l.subjects, source: 'eval' }, weight: l.weight, guidanceSteps: Math.min(l.guidanceSteps, req.steps), eta: l.eta, resolutions: l.resolutions, selfRecurrence: l.selfRecurrence, parts: l.parts };
  const result = await generate({ ...base, layout: layout ?? undefined });
  return tensorToRgb(await decodeLatents(model, result.latent));
}
