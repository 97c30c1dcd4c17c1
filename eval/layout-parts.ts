/**
 * The "strengthen only" ablation: the Cones 2 layout bias with its positive part (gw * eta * std * W_pos) but without
 * the hard-negative mask. generate() (diffusion/pipeline/generate.ts) has no switch for this, so this module runs the
 * same loop with the same building blocks and drops the mask feeds; everything else is generate()'s code path
 * (a test checks that parts = 'both' reproduces generate() exactly). "Weaken only" needs no variant: strength 0
 * leaves the mask alone, so the eval runs it through generate() itself.
 *
 * TODO(lead): a `parts?: 'both' | 'positive' | 'negative'` option on LayoutGuidance would make this file redundant.
 */
import { needsUnconditional } from '../diffusion/guidance';
import { etaAt } from '../diffusion/layout';
import { layerQueryLengths, layoutUnet, runUnet } from '../diffusion/model/unet';
import { gaussian, noiseStream } from '../diffusion/noise';
import { concatBatch, type GenerateOptions, type GenerateResult } from '../diffusion/pipeline/generate';
import { denoise } from '../diffusion/pipeline/denoise';
import { layoutFeeds, planLayoutBias } from '../diffusion/pipeline/layout-plan';
import { createSampler, denoisedFromOutput, modelInput, modelTimestep } from '../diffusion/samplers';
import { inferencePlan, parseSchedulerConfig } from '../diffusion/schedule';
import { f32, type F32Tensor } from '../diffusion/tensor';

export type LayoutParts = 'both' | 'positive';

const OFF = f32([1, 1, 1, 1]); // the patched UNet's broadcast "no mask"

/** generate() with a layout whose hard-negative mask is dropped when parts = 'positive'. Needs o.layout. */
export async function generateWithParts(o: GenerateOptions & { layout: NonNullable<GenerateOptions['layout']> }, parts: LayoutParts): Promise<GenerateResult> {
  const { model, conditioning, layout: lg } = o;
  const config = parseSchedulerConfig(model.folder.schedulerConfig);
  const plan = inferencePlan(config, o.steps, { family: o.sampler === 'ddim' ? 'ddim' : 'euler', sigmas: o.sigmas ?? 'spaced' });
  const latent = { height: o.height / model.vaeFactor, width: o.width / model.vaeFactor };
  const dims = [1, model.latentChannels, latent.height, latent.width];
  const noise0 = o.initialNoise ?? gaussian(o.seed, dims);
  const x0 = f32(dims, noise0.data.map((v) => v * plan.sigmas[0])); // x: [1, C, h, w] at sigma_0
  const withUncond = needsUnconditional(o.guidance);
  const context = withUncond ? concatBatch(conditioning.uncond, conditioning.cond) : conditioning.cond; // [B, L, D]
  const batch = withUncond ? 2 : 1;
  const unet = await layoutUnet(model);
  const biasPlan = planLayoutBias(lg.layout, conditioning.tokens, { height: o.height, width: o.width }, latent, layerQueryLengths(unet.layers, latent), lg.resolutions);
  const x: F32Tensor = await denoise({
    sampler: createSampler(o.sampler, { eta: o.samplerEta }),
    guidance: o.guidance,
    sigmas: plan.sigmas,
    x: x0,
    noise: o.noise ?? noiseStream(o.seed),
    recurrent: (i) => lg.selfRecurrence && i < lg.guidanceSteps,
    predict: async (xi, sigma, step) => {
      const input = modelInput(xi, sigma); // [1, C, h, w]
      const sample = batch === 2 ? concatBatch(input, input) : input; // [B, C, h, w]
      const gwEta = lg.weight * etaAt(lg.eta, { sigma, step, guidanceSteps: lg.guidanceSteps });
      const feeds = layoutFeeds(biasPlan, unet.layers.length, gwEta, batch, batch - 1);
      if (parts === 'positive') feeds.neg = feeds.neg.map(() => OFF);
      const out = await runUnet(model, unet, { sample, context, timestep: modelTimestep(plan.trainSigmas, sigma), layout: feeds }); // [B, C, h, w]
      const size = out.data.length / batch;
      const row = (b: number): F32Tensor => f32([1, ...out.dims.slice(1)], out.data.slice(b * size, (b + 1) * size));
      const denoisedCond = denoisedFromOutput(xi, row(batch - 1), sigma, config.predictionType);
      return { denoisedCond, denoisedUncond: batch === 2 ? denoisedFromOutput(xi, row(0), sigma, config.predictionType) : denoisedCond };
    },
  });
  return { latent: x, sigmas: plan.sigmas, guidedLayers: biasPlan.guidedLayers };
}
