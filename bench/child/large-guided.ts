/**
 * Measurement child of the large-model section for layout guidance at SD scale, in a fresh process so its peak RSS
 * is its own:
 *
 *   node --import tsx bench/child/large-guided.ts UNET_ONNX SCRATCH_DIR REPEATS LATENT_SIDE [BATCH] [profile]
 *
 * 1. Patches the SD-1.5-sized UNet as LoadModel does (diffusion/onnx/surgery, into SCRATCH_DIR/cache; query slices
 *    from diffusion/model/query-slices.ts): time, and the process's peak RSS right after, which is the surgery's.
 * 2. Opens the patched graph once, as LoadModel does (createSession with the export's folder as external-data folder
 *    and LoadModel's memory setting).
 * 3. Times REPEATS interleaved pairs of UNet calls at LATENT_SIDE, batch BATCH (default 2: CFG's uncond + cond rows
 *    in one call; 1: the rows as two calls, half the activations), context 77 x 768: guided (bias
 *    planes for a two-box layout built by planLayoutBias once and layoutFeeds per call, as generate() does per step)
 *    vs unguided (all-zero bias on the same session, as every unguided step runs).
 * 4. With `profile`, the session runs with onnxruntime's per-node profiler on, and every call's kernel time is split
 *    into the patched cross-attentions (their own nodes and the surgery's) and the rest (bench/onnx/profile.ts).
 * Prints one JSON line: { patchMs, patchMaxRssKiB, layers, querySlices, sliced, sessionMs, rssAfterSessionKiB, guided: ms[], unguided: ms[],
 * feedsMs: ms[], maxRssKiB, profile?: { guided: RunAttribution[], unguided: RunAttribution[] } (the timed calls) }.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { etaAt, REFERENCE_ETA } from '../../diffusion/layout';
import { querySlicesFor } from '../../diffusion/model/query-slices';
import { layerQueryLengths, unetMemoryFor } from '../../diffusion/model/unet';
import { gaussian } from '../../diffusion/noise';
import { Tensor } from '../../diffusion/onnx/ort';
import { createSession } from '../../diffusion/onnx/session';
import { patchUnetFile } from '../../diffusion/onnx/surgery';
import { layoutFeeds, planLayoutBias } from '../../diffusion/pipeline/layout-plan';
import { loadClipTokenizer } from '../../diffusion/tokenizer';
import { ROOT } from '../args';
import { attributeRuns, profileFile, readProfile, type RunAttribution } from '../onnx/profile';

const [modelPath, scratch, repeatsText, sideText, batchText = '2', profileArg] = process.argv.slice(2);
const profilePrefix = profileArg === 'profile' ? `ort-profile-guided-${process.pid}` : undefined;
const side = Number(sideText);
const batch = Number(batchText);
const CONTEXT = { length: 77, width: 768 };
const PROMPT = 'a red circle and a blue square';

process.env.CONES_CACHE_DIR = join(scratch, 'cache');
// As LoadModel decides: query slices for the highest-resolution self-attentions from unet/config.json sample_size.
const config = JSON.parse(readFileSync(join(dirname(modelPath), 'config.json'), 'utf8')) as { sample_size?: number };
const querySlices = querySlicesFor(config.sample_size);
const t0 = performance.now();
const patched = await patchUnetFile(modelPath, { querySlices });
const patchMs = performance.now() - t0;
const patchMaxRssKiB = process.resourceUsage().maxRSS;

const t1 = performance.now();
// The parent runs this child with CONES_CPU_ARENA=1 and =0 (createSession reads it); the memory setting is
// LoadModel's (ORT's defaults; CONES_UNET_MEMORY=lean turns the memory pattern off).
const { session } = await createSession(patched.path, {
  externalDataFolder: patched.externalDataFolder, memory: unetMemoryFor(),
  ...(profilePrefix ? { profileFilePrefix: join(scratch, profilePrefix) } : {}),
});
const sessionMs = performance.now() - t1;
const rssAfterSessionKiB = Math.round(process.memoryUsage().rss / 1024);

// Token positions of the phrases come from a CLIP tokenizer (the shapes model's; the random UNet ignores ids).
const tokenizer = await loadClipTokenizer(join(ROOT, 'models', 'shapes', 'tokenizer'));
const tokens = tokenizer.tokenize(PROMPT, { mode: 'fixed' });
const latent = { height: side, width: side };
const image = { height: side * 8, width: side * 8 };
const layout = {
  subjects: [{ phrase: 'red circle', box: [0, 0, 0.5, 1] as [number, number, number, number] },
    { phrase: 'blue square', box: [0.5, 0, 1, 1] as [number, number, number, number] }],
  source: 'bench',
};
const plan = planLayoutBias(layout, tokens, image, latent, layerQueryLengths(patched.layers, latent), 'all');
const gwEta = 0.2 * etaAt(REFERENCE_ETA, { sigma: 1, step: 0, guidanceSteps: 25 });

const sample = gaussian(1, [batch, 4, side, side]); // [B, 4, h, w]
const context = gaussian(2, [batch, CONTEXT.length, CONTEXT.width]); // [B, 77, 768]
const base: Record<string, Tensor> = {
  sample: new Tensor('float32', sample.data, sample.dims),
  timestep: new Tensor('float32', new Float32Array(batch).fill(500), [batch]),
  encoder_hidden_states: new Tensor('float32', context.data, context.dims),
};
const zero = new Tensor('float32', new Float32Array(1), [1, 1, 1, 1]);
const unguided: Record<string, Tensor> = { ...base };
for (const l of patched.layers) { unguided[l.posInput] = zero; unguided[l.negInput] = zero; }

const feedsMs: number[] = [];
function guidedFeeds(): Record<string, Tensor> {
  const s = performance.now();
  const f = layoutFeeds(plan, patched.layers.length, { gwEta, active: true, parts: 'both' }, batch, batch - 1);
  const feeds: Record<string, Tensor> = { ...base };
  patched.layers.forEach((l, k) => {
    feeds[l.posInput] = new Tensor('float32', f.pos[k].data, f.pos[k].dims);
    feeds[l.negInput] = new Tensor('float32', f.neg[k].data, f.neg[k].dims);
  });
  feedsMs.push(performance.now() - s);
  return feeds;
}

const guided: number[] = [];
const plain: number[] = [];
const kinds = ['warm-up', 'warm-up'];
await session.run(guidedFeeds()); // warm-up of both paths
await session.run(unguided);
for (let i = 0; i < Number(repeatsText); i++) {
  const order = i % 2 === 0 ? ['g', 'u'] : ['u', 'g'];
  for (const which of order) {
    kinds.push(which);
    const s = performance.now();
    await session.run(which === 'g' ? guidedFeeds() : unguided);
    (which === 'g' ? guided : plain).push(performance.now() - s);
  }
}
let profile: { guided: RunAttribution[]; unguided: RunAttribution[] } | undefined;
if (profilePrefix) {
  session.endProfiling();
  // The patched cross-attentions whole: the nodes the surgery adds (all named under a "layout_bias/" scope,
  // diffusion/onnx/surgery/patch-model.ts) and the attention's own nodes, whose softmax sees the biased logits.
  const scopes = patched.layers.map((l) => l.scope).filter((scope) => scope !== '');
  const inPatchedAttention = (name: string): boolean => name.includes('layout_bias/') || scopes.some((scope) => name.startsWith(scope));
  const runs = attributeRuns(readProfile(profileFile(scratch, profilePrefix)), inPatchedAttention);
  if (runs.length !== kinds.length) throw new Error(`Expected ${kinds.length} model runs in the profile but found ${runs.length}.`);
  profile = { guided: runs.filter((_, i) => kinds[i] === 'g'), unguided: runs.filter((_, i) => kinds[i] === 'u') };
}
process.stdout.write(`${JSON.stringify({
  patchMs, patchMaxRssKiB, layers: patched.layers.length, querySlices, sliced: patched.sliced.length, guidedLayers: plan.guidedLayers, sessionMs, rssAfterSessionKiB,
  guided, unguided: plain, feedsMs, maxRssKiB: process.resourceUsage().maxRSS, profile,
})}\n`);
