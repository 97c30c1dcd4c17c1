/**
 * From a layout (subjects with boxes or masks, resolution-free) and a tokenized prompt to the per-layer bias inputs of
 * a patched UNet (docs/method.md sections 4 and 5):
 *
 *   maps     = per-token weight maps at image size (phrase -> every token of every occurrence)
 *   biases_k = W_pos [S_k, T] and hard-negative mask [S_k, T] at layer k's grid, or null when not selected
 *   feeds    = layout_pos_k = gw * eta_i * W_pos,  layout_neg_k = mask logits     (conditional batch row only)
 *
 * The std(S) factor is computed inside the UNet (diffusion/onnx/surgery), since it depends on the logits.
 */
import {
  buildTokenWeightMaps, layoutBiasesForLayers, maskLogits, rasteriseSubjects, selectGuidedLayers,
  type LayoutSubject, type ResolutionBias, type ResolutionSelection,
} from '../layout';
import { ModelError } from '../errors';
import { f32, type F32Tensor } from '../tensor';
import { findPhrase, type Tokenized } from '../tokenizer';

/** What the LAYOUT port carries: regions by phrase, independent of image size and tokens. */
export interface Layout {
  subjects: LayoutSubject[];
  /** Where it came from, for messages ("boxes", a PNG path). */
  source: string;
}

export interface LayerBiasPlan {
  /** One entry per patched layer, in the patched model's layer order. */
  biases: (ResolutionBias | null)[];
  /** Mask logits per distinct grid, computed once: [S, T]. */
  negLogits: Map<ResolutionBias, F32Tensor>;
  guidedLayers: number;
}

export function planLayoutBias(
  layout: Layout, tokens: Tokenized, image: { height: number; width: number }, latent: { height: number; width: number },
  queryLengths: readonly number[], selection: ResolutionSelection,
): LayerBiasPlan {
  const masks = rasteriseSubjects(layout.subjects, image.height, image.width);
  const subjects = resolvePositions(masks.map((m) => m.phrase), tokens).map((positions, k) => ({
    phrase: masks[k].phrase, strength: masks[k].strength, mask: masks[k].mask, positions,
  }));
  const maps = buildTokenWeightMaps(subjects, tokens.length, image.height, image.width);
  const layers = selectGuidedLayers(queryLengths, latent, selection);
  const biases = layoutBiasesForLayers(maps, layers);
  const negLogits = new Map<ResolutionBias, F32Tensor>();
  for (const b of biases) if (b && !negLogits.has(b)) negLogits.set(b, maskLogits(b.negMask));
  return { biases, negLogits, guidedLayers: biases.filter(Boolean).length };
}

/**
 * Token positions per subject phrase (every occurrence, every token). When phrases overlap, the longer phrase keeps
 * the tokens it matches: in "a dog, a pet cat and a dog" with subjects "dog," and "dog", the first dog belongs to
 * "dog," and "dog" keeps the second one (the reference configs rely on this).
 */
export function resolvePositions(phrases: readonly string[], tokens: Tokenized): number[][] {
  const found = phrases.map((p) => findPhrase(tokens, p, 'all'));
  const order = phrases.map((_, k) => k).sort((a, b) => (found[b][0]?.length ?? 0) - (found[a][0]?.length ?? 0));
  const claimed = new Set<number>();
  const out: number[][] = phrases.map(() => []);
  for (const k of order) {
    for (const occurrence of found[k]) {
      if (occurrence.some((p) => claimed.has(p))) continue;
      out[k].push(...occurrence);
    }
    if (!out[k].length) {
      throw new ModelError('E_LAYOUT_TOKEN_CONFLICT', `Expected layout subject "${phrases[k]}" to have tokens of its own ` +
        `in "${tokens.prompt}" but longer subject phrases claim every occurrence.`, {
        hint: 'Give each subject a distinct phrase, or remove the duplicate.',
      });
    }
    for (const p of out[k]) claimed.add(p);
  }
  return out;
}

const OFF = f32([1, 1, 1, 1]); // broadcasts to "no bias": the cheap input for unguided layers and steps

/**
 * Which parts of the Cones 2 bias act (the paper's ablation; docs/method.md section 5): 'both' (strengthen inside
 * the box with gw * eta * std * W_pos, weaken outside with the hard negative), 'positive' (strengthen only, no hard
 * negative) or 'negative' (weaken only: the hard negative without the positive term).
 */
export type LayoutParts = 'both' | 'positive' | 'negative';

export interface StepBias {
  /** gw * eta_i for this step (the positive term's scale). */
  gwEta: number;
  /** false outside the guided steps: every layer gets the broadcast zero. */
  active: boolean;
  parts: LayoutParts;
}

/**
 * Bias inputs for one UNet call on a CFG batch [uncond, cond] (or [uncond x N, cond x N]): the conditional row(s)
 * `condRow` carry the bias, the other rows zero (the layout acts on the conditional branch only).
 */
export function layoutFeeds(
  plan: LayerBiasPlan | null, layerCount: number, step: StepBias, batch: number, condRow: number | readonly number[],
): { pos: F32Tensor[]; neg: F32Tensor[] } {
  const condRows = typeof condRow === 'number' ? [condRow] : condRow;
  const pos: F32Tensor[] = [];
  const neg: F32Tensor[] = [];
  const withPos = step.parts !== 'negative' && step.gwEta !== 0;
  const withNeg = step.parts !== 'positive';
  for (let k = 0; k < layerCount; k++) {
    const bias = plan?.biases[k];
    if (!bias || !step.active) {
      pos.push(OFF);
      neg.push(OFF);
      continue;
    }
    const [S, T] = bias.posWeights.dims;
    const plane = S * T;
    if (withPos) {
      const p = f32([batch, 1, S, T]); // [B, 1, S, T]
      const w = bias.posWeights.data;
      for (const row of condRows) for (let j = 0; j < plane; j++) p.data[row * plane + j] = step.gwEta * w[j];
      pos.push(p);
    } else {
      pos.push(OFF);
    }
    if (withNeg) {
      const n = f32([batch, 1, S, T]); // [B, 1, S, T]
      for (const row of condRows) n.data.set(plan!.negLogits.get(bias)!.data, row * plane);
      neg.push(n);
    } else {
      neg.push(OFF);
    }
  }
  return { pos, neg };
}
