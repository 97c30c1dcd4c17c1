import { ModelError } from '../errors';
import { cacheDir } from '../onnx/cache-dir';
import { makeTensor, outputAsFloat32 } from '../onnx/input-meta';
import { Tensor } from '../onnx/ort';
import { assertModelFile, createSession, type CreateSessionOptions, type LoadedSession } from '../onnx/session';
import { diffusersLevels, patchUnetFile, queryLengthAtLevel, type LayoutLayer, type PatchedUnet } from '../onnx/surgery';
import { f32, type F32Tensor } from '../tensor';
import type { SdModel } from './load';

/** The layout-bias inputs of the model's UNet session (one pos/neg pair per cross-attention layer, diffusion/onnx/surgery). */
export interface LayoutUnet {
  layers: LayoutLayer[];
  /** The patched graph in the cache folder that the model's one UNet session runs. */
  patchedPath: string;
}

/** The model's UNet session and, when the surgery could patch it, its layout inputs (else why not). */
export interface OpenedUnet {
  loaded: LoadedSession;
  layout: LayoutUnet | null;
  layoutError: ModelError | null;
}

/**
 * Opens the UNet once: the layout-patched graph (cached outside the model folder, reading the export's weights in
 * place), which with all-zero bias computes what the export computes, so unguided calls share the session and the
 * weights are loaded once. `querySlices` also computes its highest-resolution self-attentions in query slices
 * (diffusion/model/query-slices.ts). When the surgery cannot patch this export, the plain graph is opened with a warning and
 * layout-guided runs fail with the surgery's error.
 */
export async function openUnet(path: string, opts: CreateSessionOptions & { querySlices?: number }): Promise<OpenedUnet> {
  assertModelFile(path);
  const memory = opts.memory ?? unetMemoryFor();
  let patched: PatchedUnet;
  try {
    patched = await patchUnetFile(path, { querySlices: opts.querySlices });
  } catch (err) {
    const layoutError = err instanceof ModelError ? err : new ModelError('E_UNET_LAYOUT_UNAVAILABLE',
      `Expected to write the layout-patched UNet into ${cacheDir()} but it failed: ${(err as Error).message}`, {
        hint: 'Point CONES_CACHE_DIR at a writable folder.', cause: err,
      });
    opts.onWarning?.(`layout guidance unavailable for ${path}: ${layoutError.message}`);
    return { loaded: await createSession(path, { ...opts, memory }), layout: null, layoutError };
  }
  const loaded = await createSession(patched.path, { ...opts, memory, externalDataFolder: patched.externalDataFolder });
  return { loaded, layout: { layers: patched.layers, patchedPath: patched.path }, layoutError: null };
}

/**
 * ORT memory setting of the UNet session (diffusion/onnx/session.ts `memory`; openUnet's unless the caller sets it): ORT's defaults unless
 * CONES_UNET_MEMORY=lean asks for the memory pattern off. On the SD-1.5-sized UNet at 512 px 'lean' lowers the peak
 * (1.17-1.18x the weights vs 1.22x) but costs every unguided call about 7%: two sessions of the same patched graph in
 * one process, 8 interleaved rounds, lean / default unguided call 0.995-1.144, median 1.073 (2026-12-03). So it
 * stays opt-in, for when memory matters more than time.
 */
export function unetMemoryFor(env: NodeJS.ProcessEnv = process.env): 'default' | 'lean' {
  const given = env.CONES_UNET_MEMORY;
  if (given === undefined || given === '' || given === 'default') return 'default';
  if (given === 'lean') return 'lean';
  throw new ModelError('E_UNET_MEMORY', `Expected CONES_UNET_MEMORY to be "default" or "lean" but it is "${given}".`, {
    hint: 'Unset it for onnxruntime\'s defaults; "lean" turns the memory pattern off (a lower peak on SD-sized UNets).',
  });
}

/** The layout inputs of the model's UNet, or the coded reason it has none. */
export function layoutUnet(model: SdModel): LayoutUnet {
  if (model.unetLayout) return model.unetLayout;
  throw new ModelError('E_UNET_LAYOUT_UNAVAILABLE', `Expected the UNet of ${model.folder.root} to take layout guidance ` +
    `but it could not be patched: ${model.unetLayoutError?.message ?? 'unknown reason'}`, {
    hint: 'Run without a layout, or see the surgery error above (diffusion/onnx/README.md lists the attention forms it knows).',
    cause: model.unetLayoutError ?? undefined,
  });
}

/**
 * Query length S of each patched layer at a latent size: from the diffusers block structure in the layer's scope
 * (diffusion/onnx/surgery/levels.ts); where the scope is not a diffusers block name, the static length the export
 * recorded.
 */
export function layerQueryLengths(layers: readonly LayoutLayer[], latent: { height: number; width: number }): number[] {
  const levels = diffusersLevels(layers.map((l) => l.scope));
  return layers.map((layer, k) => {
    const level = levels[k];
    if (level !== null) return queryLengthAtLevel(level, latent);
    if (layer.queryLength) return layer.queryLength;
    throw new ModelError('E_UNET_LAYER_RESOLUTION', `Cannot tell the attention resolution of cross-attention layer "${layer.scope}": ` +
      'its query length is dynamic and its name is not a diffusers block name.', {
      hint: 'Export the UNet with diffusers module names (down_blocks / mid_block / up_blocks) or with static shapes.',
    });
  });
}

export interface UnetCall {
  /** [B, C, h, w], already scaled by c_in */
  sample: F32Tensor;
  timestep: number;
  /** [B, L, D] */
  context: F32Tensor;
  /** Per-layer bias inputs (layout_pos_k / layout_neg_k); omitted: every layer off. */
  layout?: { pos: F32Tensor[]; neg: F32Tensor[] };
}

/**
 * The feeds of one UNet call: sample, timestep adapted to the export's dtype and rank (rank 0, or one per batch row),
 * encoder_hidden_states, and for a patched UNet one bias pair per cross-attention layer. Exported so a profiling or
 * benchmark session of the same file is fed exactly as the pipeline feeds it.
 */
export function unetFeeds(model: SdModel, call: UnetCall): Record<string, Tensor> {
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
  const layers = model.unetLayout?.layers ?? [];
  if (call.layout && !model.unetLayout) layoutUnet(model); // throws why this UNet takes no layout
  if (call.layout && (call.layout.pos.length !== layers.length || call.layout.neg.length !== layers.length)) {
    throw new ModelError('E_UNET_LAYOUT_FEEDS', `Expected layout inputs for all ${layers.length} patched layers ` +
      `but received ${call.layout.pos.length} / ${call.layout.neg.length}.`);
  }
  // Unguided calls switch every layer off with an all-zero [1, 1, 1, 1] bias (exactly the export's output).
  // float32 bias planes are handed over without a copy: they can be [2, 1, 4096, 77] per layer on SD.
  layers.forEach((layer, k) => {
    const pos = call.layout?.pos[k] ?? ZERO_BIAS, neg = call.layout?.neg[k] ?? ZERO_BIAS;
    feeds[layer.posInput] = new Tensor('float32', pos.data, pos.dims);
    feeds[layer.negInput] = new Tensor('float32', neg.data, neg.dims);
  });
  return feeds;
}

const ZERO_BIAS = f32([1, 1, 1, 1]);

/** One UNet evaluation. Returns out_sample [B, C, h, w]. */
export async function runUnet(model: SdModel, call: UnetCall): Promise<F32Tensor> {
  const session = model.unet.session;
  const out = await session.run(unetFeeds(model, call));
  const result = out.out_sample ?? out[session.outputNames[0]];
  return f32(result.dims, outputAsFloat32(result, 'out_sample'));
}
