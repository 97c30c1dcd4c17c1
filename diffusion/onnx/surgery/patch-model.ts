/**
 * In-memory UNet surgery: finds every cross-attention (unfused MatMul -> Softmax of either export
 * style, or fused MultiHeadAttention) and gives each its own pair of graph inputs
 *
 *   layout_pos_<k>  float32 [B|1, 1, S|1, T|1]   gate * gw * eta_i * W_pos (zero rows for uncond)
 *   layout_neg_<k>  float32 [B|1, 1, S|1, T|1]   0 or a large negative (zero rows for uncond)
 *
 * so the logits before the Softmax become L + std(L[b]) * pos + neg (see bias-subgraph.ts).
 * Inputs are per layer, not shared per resolution: layers at one resolution can then be guided
 * differently (resolution selection just feeds zeros), and S need not be known statically. Feeding
 * [1, 1, 1, 1] zeros turns a layer off cheaply; all-zero inputs reproduce the unpatched model.
 * k numbers layers in graph order, which for diffusers exports is down, mid, up.
 */
import { ModelError } from '../../errors';
import { DataType, valueInfo, valueInfoElemType, type ModelProto, type NodeProto } from '../proto';
import { addToLogits, layoutBias, rowStd, type BiasInputs } from './bias-subgraph';
import { MIN_OPSET, SubgraphBuilder } from './builder';
import { findFusedCrossAttention } from './find-fused-attention';
import { findUnfusedCrossAttention } from './find-attention';
import { findSelfAttention } from './find-self-attention';
import { expandForFused, fusedLogits } from './fused-logits';
import { GraphIndex } from './graph-index';
import { diffusersLevels } from './levels';
import { sliceSelfAttention, type SlicedAttention } from './slice-attention';
import type { AttentionSite, LayoutLayer, SkippedSite } from './types';

export const DEFAULT_TEXT_INPUT = 'encoder_hidden_states';

export interface PatchOptions {
  /** The graph input carrying the text encoder's output. */
  textInput?: string;
  /**
   * Query slices for the explicit self-attentions at the highest resolution (slice-attention.ts): 0 or 1 = none.
   * At most MAX_QUERY_SLICES.
   */
  querySlices?: number;
}

export interface PatchDescription {
  layers: LayoutLayer[];
  skipped: SkippedSite[];
  /** Self-attentions computed in query slices. */
  sliced: SlicedAttention[];
  /** Self-attentions at the highest resolution left whole, with the reason. */
  sliceSkipped: SkippedSite[];
}

export const MAX_QUERY_SLICES = 64;

/** Finds the cross-attention sites without changing the model. */
export function findCrossAttention(model: ModelProto, opts: PatchOptions = {}): { sites: AttentionSite[]; skipped: SkippedSite[] } {
  const index = checkedIndex(model, opts.textInput ?? DEFAULT_TEXT_INPUT);
  return findSites(index, opts.textInput ?? DEFAULT_TEXT_INPUT);
}

/** Rewrites `model` in place; returns what was patched. */
export function patchModel(model: ModelProto, opts: PatchOptions = {}): PatchDescription {
  const textInput = opts.textInput ?? DEFAULT_TEXT_INPUT;
  const index = checkedIndex(model, textInput);
  const { sites, skipped } = findSites(index, textInput);
  if (!sites.length) {
    const skippedNote = skipped.length ? ` (${skipped.length} skipped)` : '';
    throw new ModelError('E_SURGERY_NO_ATTENTION', `Expected cross-attention layers reading "${textInput}" but found none${skippedNote}.`, {
      hint: 'Patch the exported UNet before any offline optimisation that changes attention, or check the text input name.',
      details: { skipped },
    });
  }
  const fallbackType = valueInfoElemType(index.valueInfo.get(textInput));
  const shared = new SubgraphBuilder(index, '/layout_bias/');
  const batch = shared.slice1d(shared.op('Shape', [textInput], {}, 'text_shape'), 0, 1, 'batch'); // [B]
  const before = new Map<NodeProto, NodeProto[]>();
  const layers: LayoutLayer[] = [];
  const g = index.graph;
  g.initializer.push(...shared.initializers);

  sites.forEach((site, k) => {
    const inp: BiasInputs = { batch, pos: `layout_pos_${k}`, neg: `layout_neg_${k}`, fallbackType };
    const b = new SubgraphBuilder(index, `${site.scope || `/layout_${k}/`}layout_bias/`);
    if (site.kind === 'matmul-softmax') {
      const logits = site.target.input[0];
      const bias = layoutBias(b, rowStd(b, logits, inp), inp);
      site.target.input[0] = addToLogits(b, logits, bias, inp);
    } else {
      const mha = site.target;
      const logits = fusedLogits(b, index, mha);
      const expanded = expandForFused(b, layoutBias(b, rowStd(b, logits, inp), inp), logits, batch);
      const bias = b.castLike(expanded, mha.input[0], fallbackType, 'bias_typed');
      while (mha.input.length < 6) mha.input.push('');
      mha.input[5] = mha.input[5] ? b.op('Add', [mha.input[5], bias], {}, 'attention_bias') : bias;
    }
    before.set(site.target, b.nodes);
    g.initializer.push(...b.initializers);
    for (const name of [inp.pos, inp.neg]) {
      g.input.push(valueInfo(name, DataType.FLOAT, ['layout_batch', 1, `layout_query_${k}`, 'layout_text']));
    }
    layers.push({
      index: k, scope: site.scope, kind: site.kind, nodes: site.nodes.map((n) => n.name),
      posInput: inp.pos, negInput: inp.neg, rank: site.rank, heads: site.heads, queryLength: site.queryLength,
    });
  });

  // Every new node depends only on graph inputs, constants and the tensors its target already reads,
  // so placing each group right before its target keeps the node list topologically sorted.
  const nodes: NodeProto[] = [...shared.nodes];
  for (const n of g.node) nodes.push(...(before.get(n) ?? []), n);
  g.node = nodes;
  return { layers, skipped, ...sliceQueries(model, textInput, opts.querySlices ?? 0) };
}

/** The second pass: query slices for the self-attentions at level 0 (all of them when the names tell no levels). */
function sliceQueries(model: ModelProto, textInput: string, chunks: number): Pick<PatchDescription, 'sliced' | 'sliceSkipped'> {
  if (!Number.isInteger(chunks) || chunks < 0 || chunks > MAX_QUERY_SLICES) {
    throw new ModelError('E_SURGERY_QUERY_SLICES', `Expected querySlices to be an integer from 0 to ${MAX_QUERY_SLICES} but received ${chunks}.`, {
      hint: 'Use 0 (or 1) for no slicing; 16 keeps SD 1.5 self-attention at 512 px to 64 MiB per score tensor.',
    });
  }
  if (chunks < 2) return { sliced: [], sliceSkipped: [] };
  const index = new GraphIndex(model);
  const { chains, skipped } = findSelfAttention(index, textInput);
  const levels = diffusersLevels([...chains, ...skipped].map((c) => c.scope));
  const anyLevel = levels.some((l) => l !== null);
  const top = (k: number) => !anyLevel || levels[k] === 0;
  const sliced = sliceSelfAttention(index, chains.filter((_, k) => top(k)), chunks);
  return { sliced, sliceSkipped: skipped.filter((_, k) => top(chains.length + k)) };
}

function checkedIndex(model: ModelProto, textInput: string): GraphIndex {
  const index = new GraphIndex(model);
  const opset = index.opset();
  if (opset < MIN_OPSET) {
    throw new ModelError('E_SURGERY_OPSET', `Expected a model with default-domain opset >= ${MIN_OPSET} but received opset ${opset}.`, {
      hint: 'Re-export the UNet with a newer opset (PyTorch exports default to 14 or later).',
    });
  }
  const existing = [...index.graphInputs].find((name) => name.startsWith('layout_pos_'));
  if (existing) {
    throw new ModelError('E_SURGERY_ALREADY_PATCHED', 'Expected an unpatched UNet export ' +
      `but the model already has the layout input "${existing}".`, {
      hint: 'Patch the original export (unet/model.onnx), not its .layout.onnx copy.',
    });
  }
  if (!index.graphInputs.has(textInput)) {
    throw new ModelError('E_SURGERY_NO_INPUT', `Expected a graph input named "${textInput}" ` +
      `but the model has ${[...index.graphInputs].join(', ')}.`, {
      hint: 'Pass the name of the text-conditioning input as textInput.',
    });
  }
  return index;
}

function findSites(index: GraphIndex, textInput: string): { sites: AttentionSite[]; skipped: SkippedSite[] } {
  const unfused = findUnfusedCrossAttention(index, textInput);
  const fused = findFusedCrossAttention(index, textInput);
  const order = new Map(index.graph.node.map((n, i) => [n, i]));
  const sites = [...unfused.sites, ...fused.sites].sort((a, b) => order.get(a.target)! - order.get(b.target)!);
  return { sites, skipped: [...unfused.skipped, ...fused.skipped] };
}
