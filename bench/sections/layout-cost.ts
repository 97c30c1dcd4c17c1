/**
 * Cost of Cones 2 layout guidance on the shapes model:
 * - one UNet call with bias on every cross-attention (built per call by layoutFeeds, as generate() does per step)
 *   vs an unguided call (all-zero bias) on the same session: the model opens one patched UNet for both;
 * - that unguided call vs the export's own graph (a second session opened only here): what the one-session design
 *   costs calls that use no layout;
 * - one denoising step inside generate() with and without a layout (self-recurrence off), i.e. per image / steps;
 * - self-recurrence: a whole image with every guided step run twice vs once;
 * - the per-image setup generate() does once (planLayoutBias: weight maps, downsampling, mask logits), which the
 *   per-step figure includes divided by the number of steps;
 * - the JavaScript part of a guided call (layoutFeeds building the [2,1,S,T] planes), to split the call's overhead
 *   between building the planes and the bias operations inside the patched graph.
 */
import { etaAt, REFERENCE_ETA } from '../../diffusion/layout';
import type { SdModel } from '../../diffusion/model/load';
import { layerQueryLengths, layoutUnet, runUnet, unetFeeds, type UnetCall } from '../../diffusion/model/unet';
import { InferenceSession } from '../../diffusion/onnx/ort';
import { cpuThreadOptions } from '../../diffusion/onnx/session';
import type { Conditioning } from '../../diffusion/pipeline/conditioning';
import { concatBatch, generate, type LayoutGuidance } from '../../diffusion/pipeline/generate';
import { layoutFeeds, planLayoutBias, type LayerBiasPlan } from '../../diffusion/pipeline/layout-plan';
import type { BenchContext } from '../context';
import { boxLayout, encodePrompt, GUIDANCE, LAYOUT_WEIGHT, PROMPT } from '../pipeline';
import { formatMs } from '../report/format';
import { emptySection, type SectionResult } from '../report/types';
import { median } from '../stats';
import { interleaved, repeated } from '../timing';
import { randomUnetCall } from '../unet-call';

const SECTION = 'layout';
/** sigma at which the micro-benchmark's bias is scaled (its value does not change the cost). */
const SIGMA = 1;

export async function layoutCostSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const { steps, repeats } = ctx.opts;
  const model = await ctx.model();
  for (const mode of ['adaptive', 'fixed'] as const) {
    const c = await encodePrompt(model, PROMPT, mode);
    const call: UnetCall = { ...randomUnetCall(model, c.cond.dims[1]), context: concatBatch(c.uncond, c.cond) };
    const { run: guidedCall, plan, feeds } = await guidedUnetCall(model, c, call, steps);
    const feedMs = await repeated(async () => feeds(), repeats * 40, 20);
    out.figures.push({
      section: SECTION, name: `bias planes built per guided UNet call (layoutFeeds), ${mode} tokens (L = ${c.cond.dims[1]})`,
      value: formatMs(median(feedMs)), n: feedMs.length,
    });
    if (mode === 'adaptive') {
      const planMs = await repeated(async () => plan(), repeats * 4, 2);
      out.figures.push({
        section: SECTION, name: 'per-image layout setup (planLayoutBias, once per generate call)',
        value: formatMs(median(planMs)), n: planMs.length,
      });
    }
    ctx.log(`layout: UNet call guided vs unguided, ${mode} tokens, x ${repeats * 4}`);
    const calls = await interleaved(guidedCall, () => runUnet(model, call), { repeats: repeats * 4, warmup: 3 });
    out.comparisons.push({
      section: SECTION, name: `one UNet call, batch 2, bias on every cross-attention, ${mode} tokens (L = ${c.cond.dims[1]})`,
      a: { label: 'guided: bias planes', ms: calls.a }, b: { label: 'unguided: zero bias', ms: calls.b }, paired: true,
      target: { kind: 'max', value: 1.1 }, note: 'one patched session; includes building the bias planes (layoutFeeds), as generate() does per step',
    });
    if (mode === 'adaptive') await zeroBiasVsExport(ctx, model, call, out);
  }

  const conditioning = await encodePrompt(model, PROMPT, 'adaptive');
  const image = (layout: LayoutGuidance | undefined) => () =>
    generate({
      model, conditioning, guidance: GUIDANCE, sampler: 'euler', steps, seed: 0,
      width: model.defaultSize, height: model.defaultSize, layout,
    });
  const perStep = (ms: number[]): number[] => ms.map((v) => v / steps);
  ctx.log(`layout: ${steps}-step sampling guided vs unguided x ${repeats}`);
  const step = await interleaved(image(boxLayout(steps, false)), image(undefined), { repeats, warmup: 1 });
  out.comparisons.push({
    section: SECTION, name: 'one denoising step in generate() (total / steps)',
    a: { label: 'layout-guided', ms: perStep(step.a) }, b: { label: 'unguided', ms: perStep(step.b) }, paired: true,
    target: { kind: 'max', value: 1.1 },
    note: `gw ${LAYOUT_WEIGHT}, all ${steps} steps guided, self-recurrence off; UNet + guidance + Euler step`,
  });

  ctx.log(`layout: self-recurrence on vs off x ${repeats}`);
  const sr = await interleaved(image(boxLayout(steps, true)), image(boxLayout(steps, false)), { repeats, warmup: 1 });
  out.comparisons.push({
    section: SECTION, name: `self-recurrence, per image (${steps} guided steps)`,
    a: { label: 'self-recurrence on', ms: sr.a }, b: { label: 'off', ms: sr.b }, paired: true,
    note: 'every guided step runs the UNet twice (reference behaviour); the last step is not repeated (sigma_next = 0)',
  });
  return out;
}

/** An unguided call on the model's patched session vs the export's own graph opened beside it. */
async function zeroBiasVsExport(ctx: BenchContext, model: SdModel, call: UnetCall, out: SectionResult): Promise<void> {
  const plain = await InferenceSession.create(model.folder.unet, { executionProviders: ['cpu'], ...cpuThreadOptions() });
  const all = unetFeeds(model, call);
  const feeds = Object.fromEntries(plain.inputNames.map((n) => [n, all[n]]));
  ctx.log(`layout: unguided call, patched session vs the export, x ${ctx.opts.repeats * 4}`);
  const t = await interleaved(() => runUnet(model, call), () => plain.run(feeds), { repeats: ctx.opts.repeats * 4, warmup: 3 });
  await plain.release();
  out.comparisons.push({
    section: SECTION, name: 'one unguided UNet call, batch 2: the model\'s one (patched) session vs the export\'s graph',
    a: { label: 'patched, zero bias', ms: t.a }, b: { label: 'export', ms: t.b }, paired: true,
    target: { kind: 'max', value: 1.05 }, note: 'the price of opening the UNet once (diffusion/model/unet.ts openUnet)',
  });
}

/** What generate() does per guided step: bias planes for this sigma, then the patched UNet. */
async function guidedUnetCall(
  model: SdModel, conditioning: Conditioning, call: UnetCall, steps: number,
): Promise<{ run: () => Promise<unknown>; plan: () => LayerBiasPlan; feeds: () => unknown }> {
  const unet = layoutUnet(model);
  const latent = { height: call.sample.dims[2], width: call.sample.dims[3] };
  const size = { height: model.defaultSize, width: model.defaultSize };
  const lg = boxLayout(steps, false);
  const lengths = layerQueryLengths(unet.layers, latent);
  const plan = (): LayerBiasPlan => planLayoutBias(lg.layout, conditioning.tokens, size, latent, lengths, lg.resolutions);
  const biasPlan = plan();
  const gwEta = LAYOUT_WEIGHT * etaAt(REFERENCE_ETA, { sigma: SIGMA, step: 0, guidanceSteps: steps });
  const feeds = () => layoutFeeds(biasPlan, unet.layers.length, { gwEta, active: true, parts: 'both' }, 2, 1);
  return { run: () => runUnet(model, { ...call, layout: feeds() }), plan, feeds };
}
