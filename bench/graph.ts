/**
 * The benchmark graph, built from the shipped node types (nodes/index.ts ALL_NODES), wired like
 * graphs/shapes-single.json and graphs/two-subjects-layout.json:
 *
 *   LoadModel ─┬─> Tokenize ─> Encode ─┐
 *   Text ──────┘                       ├─> GuidedSampler ─> VAEDecode ─> BenchSink
 *   CFG, Integer (seed), [LayoutBoxes] ┘
 *
 * BenchSink is an output node that keeps the image and does nothing else, so a run does exactly the work of
 * bench/pipeline.ts imageFromPrompt (no PNG encoding or file writes on either side). Sampler previews are off
 * (preview_every 0) for the same reason.
 */
import { defineNode, input, NodeRegistry, type GraphFile, type InputValue } from '../engine';
import type { RgbImage } from '../diffusion/image/encode';
import { ALL_NODES } from '../nodes';
import { IMAGE } from '../nodes/diffusion-ports';
import { BOXES, CFG_SCALE, LAYOUT_WEIGHT, PROMPT, type TokenMode } from './pipeline';

export const BenchSinkNode = defineNode({
  type: 'BenchSink',
  version: 1,
  category: 'output',
  description: 'Benchmark-only output node: receives the image and discards it.',
  isOutput: true,
  inputs: { image: input<RgbImage>(IMAGE) },
  outputs: {},
  run: () => ({}),
});

export function benchRegistry(): NodeRegistry {
  return new NodeRegistry([...ALL_NODES, BenchSinkNode]);
}

export interface GraphSettings {
  modelFolder: string;
  mode: TokenMode;
  steps: number;
  seed: number;
  layout: boolean;
  selfRecurrence: boolean;
}

/** The id of the Integer node that holds the seed (the cache section changes only it). */
export const SEED_NODE = 'seed';

const link = (from: string, output: string): InputValue => ({ from, output });

export function benchGraph(settings: GraphSettings): GraphFile {
  const nodes: GraphFile['nodes'] = {
    model: { type: 'LoadModel', version: 1, inputs: { folder: settings.modelFolder, provider: 'cpu' } },
    prompt: { type: 'Text', version: 1, inputs: { value: PROMPT } },
    tokens: { type: 'Tokenize', version: 1, inputs: { model: link('model', 'model'), text: link('prompt', 'text'), mode: settings.mode } },
    encode: { type: 'Encode', version: 1, inputs: { model: link('model', 'model'), tokens: link('tokens', 'tokens'), negative: '' } },
    guidance: { type: 'CFG', version: 1, inputs: { scale: CFG_SCALE } },
    [SEED_NODE]: { type: 'Integer', version: 1, inputs: { value: settings.seed } },
    sampler: {
      type: 'GuidedSampler', version: 2,
      inputs: {
        model: link('model', 'model'), conditioning: link('encode', 'conditioning'), guidance: link('guidance', 'guidance'),
        sampler: 'euler', steps: settings.steps, seed: link(SEED_NODE, 'value'), sigmas: 'spaced', preview_every: 0,
        ...(settings.layout ? {
          layout: link('layout', 'layout'), layout_weight: LAYOUT_WEIGHT, guidance_steps: settings.steps,
          self_recurrence: settings.selfRecurrence ? 'on' : 'off', resolutions: 'all', eta_schedule: 'log1p_sigma_sq',
        } : {}),
      },
    },
    decode: { type: 'VAEDecode', version: 1, inputs: { model: link('model', 'model'), latent: link('sampler', 'latent') } },
    sink: { type: 'BenchSink', version: 1, inputs: { image: link('decode', 'image') } },
  };
  if (settings.layout) {
    const boxes = BOXES.map((b) => ({ phrase: b.phrase, box: [...b.box], strength: b.strength }));
    nodes.layout = { type: 'LayoutBoxes', version: 1, inputs: { boxes } };
  }
  return { format: 'cones-graph', version: 1, nodes, outputs: ['sink'], meta: { title: 'benchmark graph (bench/graph.ts)' } };
}

/** Returns a copy of the graph with another seed. */
export function withSeed(file: GraphFile, seed: number): GraphFile {
  const copy = structuredClone(file);
  copy.nodes[SEED_NODE].inputs = { value: seed };
  return copy;
}
