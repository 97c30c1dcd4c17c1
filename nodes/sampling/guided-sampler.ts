import { defineNode, input, output } from '../../engine';
import { encodePng } from '../../diffusion/image/encode';
import { tensorToRgb } from '../../diffusion/image/encode';
import type { GuidanceRule } from '../../diffusion/guidance';
import { cfgppEquivalentScale } from '../../diffusion/guidance';
import { parseResolutionSelection, type EtaSchedule } from '../../diffusion/layout';
import type { SdModel } from '../../diffusion/model/load';
import { MAX_GW, readRecommendation, resolveLayoutSettings, type LayoutRequest } from '../../diffusion/model/recommended';
import { decodeLatents } from '../../diffusion/model/vae';
import type { Conditioning } from '../../diffusion/pipeline/conditioning';
import { MAX_BATCH, sliceRows } from '../../diffusion/pipeline/batch';
import { generate } from '../../diffusion/pipeline/generate';
import { resolvePositions, type Layout } from '../../diffusion/pipeline/layout-plan';
import { SAMPLER_NAMES, type SamplerName } from '../../diffusion/samplers';
import { ModelError } from '../../diffusion/errors';
import { latentMask, type ImageMask } from '../../diffusion/image/mask';
import { CONDITIONING, GUIDANCE, LATENT, LAYOUT, MASK, MODEL } from '../diffusion-ports';
import { NodeError } from '../codes';
import { conditioningFacts, layoutFacts, modelFacts } from '../facts';
import type { LatentValue } from '../image/batch';
import { FLOAT, INT, STRING } from '../ports';

/** layout_weight and guidance_steps -1: the model's recommended value (diffusion/model/recommended.ts). */
const MODEL_VALUE = -1;
const MODEL_SPECIAL = { [MODEL_VALUE]: 'model' };

/** The sampler's layout inputs as a request: -1 and "model" ask for the model's recommendation. */
function layoutRequest(weight: number, guided: number, recurrence: 'model' | 'on' | 'off'): LayoutRequest {
  if (weight < 0 && weight !== MODEL_VALUE) {
    throw new NodeError('E_SAMPLER_SETTING', `Expected layout_weight >= 0, or -1 for the model's recommended value, but received ${weight}.`, {
      hint: 'Set 0 to turn the layout bias off, -1 for the model\'s value (the Cones 2 reference\'s 0.08 when it has none).',
    });
  }
  return {
    gw: weight === MODEL_VALUE ? 'model' : weight,
    guidanceSteps: guided === MODEL_VALUE ? 'model' : guided,
    selfRecurrence: recurrence === 'model' ? 'model' : recurrence === 'on',
  };
}

const ETA_SCHEDULES: Record<string, EtaSchedule> = {
  log1p_sigma_sq: { kind: 'log1p_sigma_sq' },
  constant: { kind: 'constant', value: 1 },
  linear_decay: { kind: 'linear_decay', start: 1 },
};

/** Output width or height in pixels; 0 = the model's native size. */
const sizeInput = () => input<number>(INT, {
  schema: { type: 'integer', default: 0, minimum: 0, maximum: 4096 },
  description: '0 = the model\'s native size.',
});

export const GuidedSamplerNode = defineNode({
  type: 'GuidedSampler',
  version: 2,
  category: 'sampling',
  description: 'Denoises seeded noise with the chosen sampler and guidance rule; with a layout, adds the Cones 2 bias ' +
    'gw * eta(sigma) * std(logits) * W to the cross-attention of the conditional branch (plus the hard negative mask).',
  inputs: {
    model: input<SdModel>(MODEL),
    conditioning: input<Conditioning>(CONDITIONING),
    guidance: input<GuidanceRule>(GUIDANCE),
    layout: input<Layout>(LAYOUT, { optional: true }),
    latent: input<LatentValue>(LATENT, {
      optional: true,
      description: 'Image-to-image: start from these latents (VAEEncode) instead of noise; width and height then follow them. ' +
        'One latent serves every image of a batch; a batch of latents needs the same batch here.',
    }),
    sampler: input<SamplerName>(STRING, { schema: { type: 'string', enum: [...SAMPLER_NAMES], default: 'euler' } }),
    steps: input<number>(INT, { schema: { type: 'integer', default: 30, minimum: 1, maximum: 1000 } }),
    seed: input<number>(INT, {
      schema: { type: 'integer', default: 0, minimum: 0, maximum: Number.MAX_SAFE_INTEGER, 'x-widget': 'seed' },
    }),
    batch: input<number>(INT, {
      schema: { type: 'integer', default: 1, minimum: 1, maximum: MAX_BATCH },
      description: 'N images from seeds seed, seed + 1, ...: image k is exactly the batch-1 image of seed + k. One UNet ' +
        'call per step for the whole batch, or one per image when the export fixes its batch axis (the node says which).',
    }),
    width: sizeInput(),
    height: sizeInput(),
    sigmas: input<'spaced' | 'karras'>(STRING, { schema: { type: 'string', enum: ['spaced', 'karras'], default: 'spaced' } }),
    layout_weight: input<number>(FLOAT, {
      schema: { type: 'number', default: MODEL_VALUE, minimum: MODEL_VALUE, maximum: MAX_GW, 'x-special': MODEL_SPECIAL },
      description: 'gw. -1 = the model\'s recommended value (model_index.json "cones_graph"; the embedded shapes model: ' +
        '0.2), or the Cones 2 reference\'s 0.08 (SD 2.1) for a model that recommends none.',
    }),
    guidance_steps: input<number>(INT, {
      schema: { type: 'integer', default: MODEL_VALUE, minimum: MODEL_VALUE, maximum: 1000, 'x-special': MODEL_SPECIAL },
      description: 'Guide the first N steps (values above steps mean all). -1 = the model\'s recommended share of the ' +
        'steps (the embedded shapes model: every step), or every step (the reference) for a model that recommends none.',
    }),
    eta_schedule: input<string>(STRING, { schema: { type: 'string', enum: Object.keys(ETA_SCHEDULES), default: 'log1p_sigma_sq' } }),
    resolutions: input<string>(STRING, {
      schema: { type: 'string', default: 'all' },
      description: 'Which cross-attention resolutions get the bias: all, none, highest:N, or a list like "16,8".',
    }),
    layout_parts: input<'both' | 'positive' | 'negative'>(STRING, {
      schema: { type: 'string', enum: ['both', 'positive', 'negative'], default: 'both' },
      description: 'both = Cones 2 (strengthen inside the box, hard negative outside); positive = strengthen only; ' +
        'negative = weaken only (the paper\'s ablation).',
    }),
    self_recurrence: input<'model' | 'on' | 'off'>(STRING, {
      schema: { type: 'string', enum: ['model', 'on', 'off'], default: 'model' },
      description: 'Run each guided step twice (the reference\'s behaviour; 2x UNet calls on guided steps). model = the ' +
        'model\'s recommendation (the embedded shapes model: off), or on for a model that recommends none.',
    }),
    mask: input<ImageMask>(MASK, {
      optional: true,
      description: 'Inpainting (needs latent): only the white region is generated; the rest stays the input picture.',
    }),
    denoise: input<number>(FLOAT, {
      schema: { type: 'number', default: 1, minimum: 0, maximum: 1 },
      description: 'With a latent: how much to change it. 1 = ignore it (text-to-image), 0 = return it; the last ' +
        'floor(denoise x steps) steps run.',
    }),
    preview_every: input<number>(INT, {
      schema: { type: 'integer', default: 5, minimum: 0, maximum: 1000 },
      description: 'Decode a preview every N steps (0 = never).',
    }),
  },
  outputs: { latent: output<LatentValue>(LATENT) },
  migrations: {
    // Version 1 had the reference's values as defaults (gw 0.08, every step, self-recurrence on) and a boolean
    // self_recurrence: a saved graph keeps what it ran with.
    1: (inputs) => ({
      ...inputs,
      layout_weight: inputs.layout_weight ?? 0.08,
      guidance_steps: inputs.guidance_steps ?? 1000,
      self_recurrence: inputs.self_recurrence === false ? 'off' : inputs.self_recurrence === undefined || inputs.self_recurrence === true
        ? 'on' : inputs.self_recurrence,
    }),
  },
  // What generate() checks before the first UNet call, on facts: the resolution selection and, when the layout
  // acts, every layout phrase found in the prompt with tokens of its own (planLayoutBias).
  check: async ({ literals, facts }, ctx) => {
    if (!Object.hasOwn(facts, 'layout')) return;
    const { resolutions, layout_weight: weight, layout_parts: parts, guidance_steps: guided, steps, self_recurrence: recurrence } = literals;
    if (resolutions !== undefined) await ctx.attempt('resolutions', () => parseResolutionSelection(resolutions));
    if (weight === undefined || guided === undefined) return;
    // (self-recurrence does not decide whether the layout acts; a linked one is fine here)
    const request = await ctx.attempt('layout_weight', () => layoutRequest(weight, guided, recurrence ?? 'off'));
    const layout = layoutFacts(facts.layout);
    const conditioning = conditioningFacts(facts.conditioning);
    const recommended = modelFacts(facts.model)?.recommended;
    if (!request || !layout || !conditioning || steps === undefined) return;
    if (!recommended && (request.gw === 'model' || request.guidanceSteps === 'model')) return; // no model facts before the run
    const settings = resolveLayoutSettings(request, recommended ?? readRecommendation(null), steps);
    const acts = (settings.gw !== 0 || parts === 'negative') && settings.guidanceSteps > 0 && layout.phrases.length > 0;
    if (acts) await ctx.attempt('layout', () => resolvePositions(layout.phrases, conditioning.tokens));
  },
  run: async (inputs, ctx) => {
    if (inputs.mask && !inputs.latent) {
      throw new ModelError('E_MASK_NEEDS_LATENT', 'Expected a latent (the picture to keep, from VAEEncode) with the inpainting mask but received none.', {
        hint: 'Link LoadImage -> VAEEncode into the sampler\'s latent input.',
      });
    }
    const f = inputs.model.vaeFactor;
    const start = inputs.latent ? { width: inputs.latent.dims[3] * f, height: inputs.latent.dims[2] * f } : null;
    const width = inputs.width || start?.width || inputs.model.defaultSize;
    const height = inputs.height || start?.height || inputs.model.defaultSize;
    const previews: Promise<void>[] = [];
    const settings = inputs.layout ? resolveLayoutSettings(
      layoutRequest(inputs.layout_weight, inputs.guidance_steps, inputs.self_recurrence), inputs.model.recommended, inputs.steps,
    ) : null;
    const result = await generate({
      model: inputs.model, conditioning: inputs.conditioning, guidance: inputs.guidance, sampler: inputs.sampler,
      steps: inputs.steps, sigmas: inputs.sigmas, seed: inputs.seed, batch: inputs.batch, width, height, signal: ctx.signal,
      init: inputs.latent ? {
        latent: inputs.latent, denoise: inputs.denoise,
        mask: inputs.mask ? latentMask(inputs.mask, inputs.latent.dims[2], inputs.latent.dims[3]) : undefined,
      } : undefined,
      layout: inputs.layout && settings ? {
        layout: inputs.layout, weight: settings.gw, guidanceSteps: settings.guidanceSteps,
        eta: ETA_SCHEDULES[inputs.eta_schedule], resolutions: parseResolutionSelection(inputs.resolutions),
        selfRecurrence: settings.selfRecurrence, parts: inputs.layout_parts,
      } : undefined,
      onStep: (step, total, _x, denoised) => {
        ctx.progress(step, total);
        if (inputs.preview_every > 0 && (step % inputs.preview_every === 0 || step === total)) {
          const first = inputs.batch > 1 ? sliceRows(denoised, 0) : denoised; // the preview shows image 1 of a batch
          previews.push(decodeLatents(inputs.model, first).then(async (img) => {
            const rgb = tensorToRgb(img);
            const data = await encodePng(rgb, { scale: Math.max(1, Math.floor(256 / rgb.width)) });
            ctx.preview({ mime: 'image/png', data, width: rgb.width, height: rgb.height });
          }));
        }
      },
    });
    await Promise.all(previews);
    const notes = [`${width}x${height}, ${inputs.steps} steps, seed ${inputs.seed}`];
    if (inputs.batch > 1) {
      notes.push(`batch ${inputs.batch} (seeds ${result.seeds[0]}..${result.seeds[inputs.batch - 1]}), ` + (result.unetCalls === 'batched'
        ? 'one UNet call per step for the whole batch' : 'one UNet call per image and step: this export fixes its batch axis'));
    }
    if (inputs.latent) notes.push(`from the input latent, denoise ${inputs.denoise} (${result.sigmas.length - 1} steps run)`);
    if (inputs.mask) notes.push('inpainting: only the mask\'s region generated');
    if (settings) notes.push(`layout on ${result.guidedLayers} cross-attention layer(s): ${settings.note}`);
    if (inputs.guidance.kind === 'cfgpp') {
      const s = result.sigmas;
      const { lambda } = inputs.guidance;
      const scales = Array.from({ length: s.length - 2 }, (_, k) => cfgppEquivalentScale(lambda, s[k], s[k + 1]));
      notes.push(`CFG++ equivalent CFG scale ${Math.min(...scales).toFixed(2)}..${Math.max(...scales).toFixed(2)}`);
    }
    const latent: LatentValue = inputs.batch === 1 ? result.latent : {
      ...result.latent,
      origins: result.seeds.map((seed, index) => ({ node: ctx.nodeId, seed: String(seed), index, size: inputs.batch })),
    };
    return { outputs: { latent }, ui: { text: notes.join('; ') } };
  },
});
