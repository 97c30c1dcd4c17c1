/**
 * N images (default 1) from a conditioning: schedule, seeded noise per image (batch.ts), the batched UNet call
 * [uncond x N, cond x N] with the layout bias on every conditional row, guidance and sampler (denoise.ts).
 * Graph-free: the Sampler node is a thin wrapper around this.
 */
import { ModelError } from '../errors';
import type { GuidanceRule } from '../guidance';
import { needsUnconditional } from '../guidance';
import { etaAt, type EtaSchedule, type ResolutionSelection } from '../layout';
import type { SdModel } from '../model/load';
import { layerQueryLengths, layoutUnet, runUnet, type LayoutUnet } from '../model/unet';
import type { NoiseStream, Seed } from '../noise';
import { createSampler, denoisedFromOutput, modelInput, modelTimestep, type SamplerName } from '../samplers';
import { inferencePlan } from '../schedule';
import { f32, type F32Tensor } from '../tensor';
import { batchGaussian, batchSeeds, batchStepNoise, concatRows, repeatRows, sliceRows } from './batch';
import type { Conditioning } from './conditioning';
import { denoise } from './denoise';
import { blendKnown } from './inpaint';
import { layoutFeeds, planLayoutBias, type Layout, type LayerBiasPlan, type LayoutParts } from './layout-plan';

export interface LayoutGuidance {
  layout: Layout;
  /** gw, the guidance weight (reference 0.08). */
  weight: number;
  /** Guide the first N steps (reference: all). */
  guidanceSteps: number;
  eta: EtaSchedule;
  resolutions: ResolutionSelection;
  selfRecurrence: boolean;
  /** Which parts of the bias act (default 'both', the method); see LayoutParts. */
  parts?: LayoutParts;
}

export interface GenerateOptions {
  model: SdModel;
  conditioning: Conditioning;
  guidance: GuidanceRule;
  sampler: SamplerName;
  /** Stochasticity for euler_ancestral / ddim. */
  samplerEta?: number;
  steps: number;
  sigmas?: 'spaced' | 'karras';
  seed: Seed;
  /** N images from seeds seed, seed + 1, ...; image k equals a batch-1 run with seed + k (default 1). */
  batch?: number;
  width: number;
  height: number;
  layout?: LayoutGuidance;
  signal?: AbortSignal;
  onStep?: (step: number, total: number, x: F32Tensor, denoised: F32Tensor) => void;
  /**
   * Image-to-image: start from this latent [1 or N, C, h, w] (VAE-encoded, scaled; batch 1 serves every image) instead of noise. With `denoise` d in
   * [0, 1], the last floor(d * steps) steps of the schedule run (as diffusers' img2img strength), from the latent
   * noised to that step's sigma: d = 0 returns the latent itself, d = 1 ignores it (exactly text-to-image).
   * With `mask` ([h, w] on the latent grid, 1 = repaint) only the masked region is generated: the rest is the
   * latent, noised to each step's sigma (./inpaint.ts).
   */
  init?: { latent: F32Tensor; denoise: number; mask?: Float32Array };
  /** Tests: replace the seeded noise (initial latent [N, C, h, w]: standard normal, scaled by sigma_0 here) and per-step noise. */
  initialNoise?: F32Tensor;
  noise?: NoiseStream;
}

export interface GenerateResult {
  /** [N, C, h, w] in the UNet's latent space */
  latent: F32Tensor;
  sigmas: Float64Array;
  guidedLayers: number;
  /** The seed of each image. */
  seeds: Seed[];
  /** 'batched': one UNet call per step for the whole batch; 'per-image': one per image (the export's batch axis is fixed). */
  unetCalls: 'batched' | 'per-image';
}

export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  const { model, conditioning } = opts;
  if (opts.width % model.vaeFactor || opts.height % model.vaeFactor) {
    const roundToFactor = (side: number): number => Math.round(side / model.vaeFactor) * model.vaeFactor;
    throw new ModelError('E_IMAGE_SIZE', `Expected width and height divisible by ${model.vaeFactor} for this model ` +
      `but received ${opts.width}x${opts.height}.`, {
      hint: `Try ${roundToFactor(opts.width)}x${roundToFactor(opts.height)}.`,
    });
  }
  const plan = inferencePlan(model.scheduler, opts.steps, {
    family: opts.sampler === 'ddim' ? 'ddim' : 'euler', sigmas: opts.sigmas ?? 'spaced',
  });
  const latent = { height: opts.height / model.vaeFactor, width: opts.width / model.vaeFactor };
  const n = opts.batch ?? 1;
  const seeds = batchSeeds(opts.seed, n);
  const dims1 = [1, model.latentChannels, latent.height, latent.width];
  const dims = [n, ...dims1.slice(1)];
  const start = opts.init ? img2imgStart(opts.init, opts.steps, dims) : 0;
  const sigmas = plan.sigmas.subarray(start);
  const unetCalls = batchedUnet(model, n, needsUnconditional(opts.guidance)) ? 'batched' : 'per-image';
  if (opts.init && start === opts.steps) { // denoise 0
    return { latent: repeatRows(opts.init.latent, n / opts.init.latent.dims[0]), sigmas, guidedLayers: 0, seeds, unetCalls };
  }
  const noise0 = opts.initialNoise ?? batchGaussian(seeds, dims1); // [N, C, h, w]
  const base = start > 0 ? opts.init!.latent.data : null; // [1 or N, C, h, w]
  const x0 = f32(dims, noise0.data.map((v, i) => (base ? base[i % base.length] : 0) + v * sigmas[0])); // x: [N, C, h, w] at sigma_start

  const withUncond = needsUnconditional(opts.guidance);
  // Rows of one UNet call for g images: [uncond x g, cond x g] (or [cond x g] without an unconditional branch).
  const contextFor = (g: number): F32Tensor => withUncond // [rows, L, D]
    ? concatBatch(repeatRows(conditioning.uncond, g), repeatRows(conditioning.cond, g)) : repeatRows(conditioning.cond, g);
  const group = unetCalls === 'batched' ? n : 1; // images per UNet call
  const context = contextFor(group);
  const rows = withUncond ? 2 * group : group;
  const condRows = Array.from({ length: group }, (_, k) => rows - group + k);

  let unet: LayoutUnet | null = null; // set when this run is layout-guided
  let biasPlan: LayerBiasPlan | null = null;
  const lg = opts.layout;
  const parts = lg?.parts ?? 'both';
  // gw = 0 switches guidance off, except for 'negative' (weaken only), which has no positive term to scale.
  if (lg && (lg.weight !== 0 || parts === 'negative') && lg.guidanceSteps > 0 && lg.layout.subjects.length > 0) {
    unet = layoutUnet(model);
    const lengths = layerQueryLengths(unet.layers, latent);
    biasPlan = planLayoutBias(lg.layout, conditioning.tokens, { height: opts.height, width: opts.width }, latent, lengths, lg.resolutions);
  }

  const x = await denoise({
    sampler: createSampler(opts.sampler, { eta: opts.samplerEta }),
    guidance: opts.guidance,
    sigmas,
    x: x0,
    constrain: opts.init?.mask ? (x, sigma) => blendKnown(x, opts.init!.latent, noise0, opts.init!.mask!, sigma) : undefined,
    noise: opts.noise ?? batchStepNoise(seeds),
    recurrent: (i) => biasPlan !== null && lg!.selfRecurrence && i < lg!.guidanceSteps,
    signal: opts.signal,
    onStep: opts.onStep,
    predict: async (xi, sigma, step) => {
      const input = modelInput(xi, sigma); // [N, C, h, w]
      const active = biasPlan !== null && step < lg!.guidanceSteps;
      const gwEta = active ? lg!.weight * etaAt(lg!.eta, { sigma, step, guidanceSteps: lg!.guidanceSteps }) : 0;
      const layout = unet ? layoutFeeds(biasPlan, unet.layers.length, { gwEta, active, parts }, rows, condRows) : undefined;
      const condOut: F32Tensor[] = [];
      const uncondOut: F32Tensor[] = [];
      for (let first = 0; first < n; first += group) {
        const part = group === n ? input : sliceRows(input, first, group); // [g, C, h, w]
        const sample = withUncond ? concatBatch(part, part) : part; // [rows, C, h, w]
        const out = await runUnet(model, { sample, context, timestep: modelTimestep(plan.trainSigmas, sigma), layout });
        condOut.push(sliceRows(out, rows - group, group)); // [g, C, h, w]
        if (withUncond) uncondOut.push(sliceRows(out, 0, group));
      }
      const denoisedCond = denoisedFromOutput(xi, concatRows(condOut), sigma, model.predictionType);
      const denoisedUncond = withUncond ? denoisedFromOutput(xi, concatRows(uncondOut), sigma, model.predictionType) : denoisedCond;
      return { denoisedCond, denoisedUncond };
    },
  });
  return { latent: x, sigmas, guidedLayers: biasPlan?.guidedLayers ?? 0, seeds, unetCalls };
}

/**
 * Whether one UNet call can take the whole batch: true unless the export fixes its batch axis (a number in the sample
 * input's shape) to something other than the 2N (or N) rows; then each image gets its own call, as at batch 1.
 */
export function batchedUnet(model: SdModel, n: number, withUncond: boolean): boolean {
  if (n === 1) return true;
  const axis = model.inputs.unet.get('sample')?.shape[0];
  return typeof axis !== 'number' || axis === (withUncond ? 2 * n : n);
}

/** The first schedule index an image-to-image run starts at: steps - floor(denoise * steps). */
export function img2imgStart(init: { latent: F32Tensor; denoise: number }, steps: number, dims: readonly number[]): number {
  if (!(init.denoise >= 0 && init.denoise <= 1)) {
    throw new ModelError('E_DENOISE_RANGE', `Expected denoise in [0, 1] but received ${init.denoise}.`, {
      hint: '1 = start from noise (the image is ignored), 0 = return the image unchanged; 0.5-0.8 keeps its layout.',
    });
  }
  if (init.latent.dims.length !== 4 || init.latent.dims.some((d, i) => d !== dims[i] && !(i === 0 && d === 1))) {
    const expected = dims[0] === 1 ? dims.join(', ') : `1 or ${dims.join(', ')}`;
    const sizeOk = init.latent.dims.length === 4 && init.latent.dims.every((d, i) => i === 0 || d === dims[i]);
    throw new ModelError('E_INIT_LATENT_SHAPE', `Expected the starting latent to be [${expected}] for this image size ` +
      `but received [${init.latent.dims.join(', ')}].`, {
      hint: sizeOk ? `Set the sampler's batch to ${init.latent.dims[0]} (one image per starting latent) or 1.`
        : 'Leave width and height at 0 to take the size from the image.',
    });
  }
  return steps - Math.min(steps, Math.floor(init.denoise * steps + 1e-9));
}

/** [1, ...] + [1, ...] -> [2, ...] */
export function concatBatch(a: F32Tensor, b: F32Tensor): F32Tensor {
  if (a.dims.some((d, i) => i > 0 && d !== b.dims[i])) {
    throw new ModelError('E_CONDITIONING_SHAPE', 'Expected the conditional and unconditional embeddings to have the same shape ' +
      `but received [${b.dims.join(', ')}] and [${a.dims.join(', ')}].`, {
      hint: 'Encode both with one Encode node (it aligns their lengths).',
    });
  }
  const data = new Float32Array(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return f32([a.dims[0] + b.dims[0], ...a.dims.slice(1)], data);
}
