/**
 * Adaptive-length conditioning (report improvement 1: [BOS, tokens, EOS], no padding) against the reference's
 * fixed 77 tokens: one UNet call with a context of each length, and a whole image (tokenize -> encode -> sample ->
 * decode) in each mode.
 */
import { runUnet } from '../../diffusion/model/unet';
import type { BenchContext } from '../context';
import { imageFromPrompt, PROMPT } from '../pipeline';
import { emptySection, type SectionResult } from '../report/types';
import { interleaved } from '../timing';
import { randomUnetCall } from '../unet-call';

const SECTION = 'tokens';

export async function tokenLengthSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const { steps, repeats } = ctx.opts;
  const model = await ctx.model();
  const adaptiveLength = model.tokenizer.tokenize(PROMPT, { mode: 'adaptive' }).length;
  const fixedLength = model.tokenizer.tokenize(PROMPT, { mode: 'fixed' }).length;

  const adaptiveCall = randomUnetCall(model, adaptiveLength);
  const fixedCall = randomUnetCall(model, fixedLength);
  ctx.log(`tokens: UNet call L=${adaptiveLength} vs L=${fixedLength} x ${repeats * 4}`);
  const calls = await interleaved(
    () => runUnet(model, adaptiveCall), () => runUnet(model, fixedCall), { repeats: repeats * 4, warmup: 3 },
  );
  out.comparisons.push({
    section: SECTION, name: 'one UNet call, batch 2, unguided',
    a: { label: `adaptive L = ${adaptiveLength}`, ms: calls.a }, b: { label: `fixed L = ${fixedLength}`, ms: calls.b }, paired: true,
    note: `"${PROMPT}"`,
  });

  ctx.log(`tokens: whole image adaptive vs fixed x ${repeats}`);
  const images = await interleaved(
    () => imageFromPrompt(model, { mode: 'adaptive', steps, seed: 0 }),
    () => imageFromPrompt(model, { mode: 'fixed', steps, seed: 0 }),
    { repeats, warmup: 1 },
  );
  out.comparisons.push({
    section: SECTION, name: `whole image, ${steps} steps, CFG, no layout`,
    a: { label: 'adaptive', ms: images.a }, b: { label: 'fixed 77', ms: images.b }, paired: true,
    note: 'tokenize + encode (cond and uncond) + sampling + VAE decode',
  });
  return out;
}
