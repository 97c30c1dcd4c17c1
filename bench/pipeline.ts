/**
 * The graph-free path the benchmarks time: the same functions, in the same order, as the nodes
 * LoadModel -> Tokenize -> Encode -> GuidedSampler -> VAEDecode call, and the settings every section shares.
 */
import type { GuidanceRule } from '../diffusion/guidance';
import { tensorToRgb, type RgbImage } from '../diffusion/image/encode';
import { REFERENCE_ETA, type Box } from '../diffusion/layout';
import type { SdModel } from '../diffusion/model/load';
import { decodeLatents } from '../diffusion/model/vae';
import { encodeConditioning, type Conditioning } from '../diffusion/pipeline/conditioning';
import { generate, type LayoutGuidance } from '../diffusion/pipeline/generate';

/** Two subjects, so the layout runs guide two phrases; "circle" and "square" are one token each in the shapes BPE. */
export const PROMPT = 'a red circle and a blue square';
export const BOXES: readonly { phrase: string; box: Box; strength: number }[] = [
  { phrase: 'circle', box: [0, 0, 0.5, 1], strength: 2.5 },
  { phrase: 'square', box: [0.5, 0, 1, 1], strength: 2.5 },
];
/** The shapes model's recommended CFG scale and gw (models/shapes/model_index.json "recommended", "cones_graph"). */
export const CFG_SCALE = 5;
export const LAYOUT_WEIGHT = 0.2;
export const GUIDANCE: GuidanceRule = { kind: 'cfg', scale: CFG_SCALE };

export type TokenMode = 'fixed' | 'adaptive';

/** Tokenize + what the Encode node does, with the empty negative prompt. */
export async function encodePrompt(model: SdModel, prompt: string, mode: TokenMode): Promise<Conditioning> {
  return encodeConditioning(model, model.tokenizer.tokenize(prompt, { mode }), '');
}

/** Layout guidance on every step, all cross-attention resolutions, the reference eta. */
export function boxLayout(steps: number, selfRecurrence: boolean): LayoutGuidance {
  return {
    layout: { subjects: BOXES.map((b) => ({ ...b, box: [...b.box] as Box })), source: 'bench' },
    weight: LAYOUT_WEIGHT, guidanceSteps: steps, eta: REFERENCE_ETA, resolutions: 'all', selfRecurrence,
  };
}

export interface ImageRequest {
  mode: TokenMode;
  steps: number;
  seed: number;
  layout?: LayoutGuidance;
}

/** Tokenize -> Encode -> GuidedSampler (Euler, CFG) -> VAEDecode for an already loaded model. */
export async function imageFromPrompt(model: SdModel, request: ImageRequest): Promise<RgbImage> {
  const conditioning = await encodePrompt(model, PROMPT, request.mode);
  const size = model.defaultSize;
  const result = await generate({
    model, conditioning, guidance: GUIDANCE, sampler: 'euler', steps: request.steps, sigmas: 'spaced', seed: request.seed,
    width: size, height: size, layout: request.layout,
  });
  return tensorToRgb(await decodeLatents(model, result.latent));
}
