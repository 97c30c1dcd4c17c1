import { ModelError } from '../errors';
import { makeTensor } from '../onnx/input-meta';
import { Tensor } from '../onnx/ort';
import { createSession, type LoadedSession } from '../onnx/session';
import { patchUnetFile, type LayoutLayer } from '../onnx/surgery';
import { f32, type F32Tensor } from '../tensor';
import type { SdModel } from './load';

/** A UNet session with layout-bias inputs (one pos/neg pair per cross-attention layer, see diffusion/onnx/surgery). */
export interface LayoutUnet {
  loaded: LoadedSession;
  layers: LayoutLayer[];
  patchedPath: string;
}

const layoutUnets = new WeakMap<SdModel, Promise<LayoutUnet>>();

/** Patches the model's UNet once (the patched file is reused while the source is unchanged) and opens it. */
export function layoutUnet(model: SdModel): Promise<LayoutUnet> {
  let p = layoutUnets.get(model);
  if (!p) {
    p = (async () => {
      const patched = await patchUnetFile(model.folder.unet);
      const loaded = await createSession(patched.path, { provider: model.provider, externalDataFolder: patched.externalDataFolder });
      return { loaded, layers: patched.layers, patchedPath: patched.path };
    })();
    p.catch(() => layoutUnets.delete(model));
    layoutUnets.set(model, p);
  }
  return p;
}

/**
 * Query length S of each patched layer at a latent size. Uses the static length the export recorded when there is
 * one; otherwise the diffusers block structure in the layer's scope: down_blocks.i runs at level i, up_blocks.j at
 * level (last up block) - j, the mid block at the lowest level; each level halves the grid (n -> ceil(n / 2)).
 */
export function layerQueryLengths(layers: readonly LayoutLayer[], latent: { height: number; width: number }): number[] {
  const ups = layers.map((l) => /up_blocks\.(\d+)/.exec(l.scope)).filter(Boolean).map((m) => Number(m![1]));
  const downs = layers.map((l) => /down_blocks\.(\d+)/.exec(l.scope)).filter(Boolean).map((m) => Number(m![1]));
  const lowest = Math.max(ups.length ? Math.max(...ups) : 0, downs.length ? Math.max(...downs) : 0);
  return layers.map((layer) => {
    let level: number | null = null;
    const down = /down_blocks\.(\d+)/.exec(layer.scope);
    const up = /up_blocks\.(\d+)/.exec(layer.scope);
    if (down) level = Number(down[1]);
    else if (up) level = lowest - Number(up[1]);
    else if (/mid_block/.test(layer.scope)) level = lowest;
    if (level === null) {
      if (layer.queryLength) return layer.queryLength;
      throw new ModelError('E_UNET_LAYER_RESOLUTION', `Cannot tell the attention resolution of cross-attention layer "${layer.scope}": ` +
        'its query length is dynamic and its name is not a diffusers block name.', {
        hint: 'Export the UNet with diffusers module names (down_blocks / mid_block / up_blocks) or with static shapes.',
      });
    }
    let h = latent.height;
    let w = latent.width;
    for (let i = 0; i < level; i++) {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
    }
    return h * w;
  });
}

export interface UnetCall {
  /** [B, C, h, w], already scaled by c_in */
  sample: F32Tensor;
  timestep: number;
  /** [B, L, D] */
  context: F32Tensor;
  /** Per-layer bias inputs for a patched UNet (layout_pos_k / layout_neg_k). */
  layout?: { pos: F32Tensor[]; neg: F32Tensor[] };
}

/**
 * The feeds of one UNet call: sample, timestep adapted to the export's dtype and rank (rank 0, or one per batch row),
 * encoder_hidden_states, and for a patched UNet one bias pair per cross-attention layer. Exported so a profiling or
 * benchmark session of the same file is fed exactly as the pipeline feeds it.
 */
export function unetFeeds(model: SdModel, unet: LayoutUnet | null, call: UnetCall): Record<string, Tensor> {
  const specs = model.inputs.unet;
  const batch = call.sample.dims[0];
  const tSpec = specs.get('timestep')!;
  const feeds: Record<string, Tensor> = {
    sample: makeTensor(specs.get('sample')!, call.sample.data, call.sample.dims),
    timestep: tSpec.rank === 0
      ? makeTensor(tSpec, [call.timestep], [])
      : makeTensor(tSpec, new Array<number>(batch).fill(call.timestep), [batch]),
    encoder_hidden_states: makeTensor(specs.get('encoder_hidden_states')!, call.context.data, call.context.dims),
  };
  if (unet) {
    if (!call.layout) {
      throw new ModelError('E_UNET_LAYOUT_FEEDS', 'A layout-patched UNet needs layout inputs for every layer ' +
        '(all-zero [1,1,1,1] to switch a layer off).');
    }
    // float32 bias planes are handed over without a copy: they can be [2, 1, 4096, 77] per layer on SD.
    unet.layers.forEach((layer, k) => {
      feeds[layer.posInput] = new Tensor('float32', call.layout!.pos[k].data, call.layout!.pos[k].dims);
      feeds[layer.negInput] = new Tensor('float32', call.layout!.neg[k].data, call.layout!.neg[k].dims);
    });
  }
  return feeds;
}

/** One UNet evaluation. Returns out_sample [B, C, h, w]. */
export async function runUnet(model: SdModel, unet: LayoutUnet | null, call: UnetCall): Promise<F32Tensor> {
  const session = unet ? unet.loaded.session : model.unet.session;
  const out = await session.run(unetFeeds(model, unet, call));
  const result = out.out_sample ?? out[session.outputNames[0]];
  return f32(result.dims, result.data as Float32Array);
}
