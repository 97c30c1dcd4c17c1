/**
 * One evaluation image: prompt -> tokens (fixed-77 or adaptive) -> conditioning (+ residuals on their base word) ->
 * generate() with the condition's guidance and layout options -> VAE decode -> 8-bit RGB. The same path as the
 * Tokenize -> Encode -> AddResidual -> GuidedSampler -> VAEDecode graph, without the graph engine.
 */
import type { GuidanceRule } from '../diffusion/guidance';
import { compositeMasked } from '../diffusion/image/composite';
import { tensorToRgb, type RgbImage } from '../diffusion/image/encode';
import { latentMask, maskFromRegions } from '../diffusion/image/mask';
import { rasteriseBox, type BoxSubject, type EtaSchedule, type ResolutionSelection } from '../diffusion/layout';
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
  /**
   * Inpaint the last of `subjects` into its box of a scene that holds the others: the scene is generated first (its
   * subjects' phrases as the prompt, layout on their boxes with `sceneLayout`'s settings), then this request runs
   * with the last box as the mask over the encoded scene (denoise 1), seed + 1, and the scene's pixels are pasted back
   * outside the box (feather 2 px), as graphs/inpaint-layout.json does with CompositeImage.
   */
  inpaint?: { subjects: BoxSubject[]; sceneLayout: LayoutSettings };
}

/** Feather (px) of the paste-back after inpainting: graphs/inpaint-layout.json's CompositeImage value. */
const INPAINT_FEATHER = 2;

export async function conditioningFor(model: SdModel, prompt: string, mode: 'fixed' | 'adaptive', residuals: readonly ResidualUse[]): Promise<Conditioning> {
  let conditioning = await encodeConditioning(model, model.tokenizer.tokenize(prompt, { mode }), '');
  for (const r of residuals) conditioning = addResidualAtPhrase(conditioning, { ...r, source: 'eval' });
  return conditioning;
}

export async function sampleImage(model: SdModel, req: SampleRequest): Promise<RgbImage> {
  const conditioning = await conditioningFor(model, req.prompt, req.tokens, req.residuals);
  const size = model.defaultSize;
  const base: GenerateOptions = { model, conditioning, guidance: req.guidance, sampler: 'euler', steps: req.steps, seed: req.seed, width: size, height: size };
  const layoutOf = (l: LayoutSettings | null, steps: number) => l ? {
    layout: { subjects: l.subjects, source: 'eval' }, weight: l.weight, guidanceSteps: Math.min(l.guidanceSteps, steps), eta: l.eta,
    resolutions: l.resolutions, selfRecurrence: l.selfRecurrence, parts: l.parts,
  } : undefined;
  if (req.inpaint) return inpaintImage(model, req, base, layoutOf);
  const result = await generate({ ...base, layout: layoutOf(req.layout, req.steps) });
  return tensorToRgb(await decodeLatents(model, result.latent));
}

async function inpaintImage(
  model: SdModel, req: SampleRequest, base: GenerateOptions, layoutOf: (l: LayoutSettings | null, steps: number) => GenerateOptions['layout'],
): Promise<RgbImage> {
  const { subjects, sceneLayout } = req.inpaint!;
  const kept = subjects.slice(0, -1);
  const added = subjects.at(-1)!;
  const scenePrompt = kept.map((s) => `a ${s.phrase}`).join(' and ');
  const scene = await generate({
    ...base, conditioning: await conditioningFor(model, scenePrompt, req.tokens, []),
    layout: layoutOf({ ...sceneLayout, subjects: kept }, req.steps),
  });
  const size = model.defaultSize;
  const f = model.vaeFactor;
  const pixelMask = maskFromRegions([rasteriseBox(added.box, size, size)], size, size);
  const mask = latentMask(pixelMask, size / f, size / f);
  const result = await generate({
    ...base, seed: req.seed + 1, init: { latent: scene.latent, denoise: 1, mask }, layout: layoutOf(req.layout, req.steps),
  });
  // The decoder normalises over the whole image, so the kept latents decode to shifted (at some seeds recoloured)
  // pixels once something is painted beside them; the example graph pastes the scene back, and so does this.
  const [painted, scenePixels] = [await decodeLatents(model, result.latent), await decodeLatents(model, scene.latent)];
  return compositeMasked(tensorToRgb(painted), tensorToRgb(scenePixels), pixelMask, INPAINT_FEATHER);
}
