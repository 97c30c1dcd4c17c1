import { basename } from 'node:path';
import { ModelError } from '../errors';
import { inputSpecs, type InputSpec } from '../onnx/input-meta';
import { createSession, type LoadedSession, type ProviderChoice } from '../onnx/session';
import { parseSchedulerConfig, type SchedulerConfig } from '../schedule';
import { loadClipTokenizer, type ClipTokenizer } from '../tokenizer';
import { textWidthOf, vaeFactorOf } from './inspect-folder';
import { readSdFolder, type SdFolder } from './sd-folder';
import { querySlicesFor } from './query-slices';
import { readRecommendation, type Recommendation } from './recommended';
import { openUnet, type LayoutUnet } from './unet';

/** SD 1.x / 2.x latent scale (diffusers AutoencoderKL default), used when vae_decoder/config.json has none. */
export const SD_VAE_SCALING_FACTOR = 0.18215;

/** Everything a pipeline needs from one model folder: sessions, tokenizer, configs and the facts read from them. */
export interface SdModel {
  id: string;
  folder: SdFolder;
  provider: 'cpu' | 'cuda';
  tokenizer: ClipTokenizer;
  textEncoder: LoadedSession;
  /** The one UNet session: the layout-patched graph when the surgery could patch the export, else the export. */
  unet: LoadedSession;
  /** The UNet's layout inputs; null when the export could not be patched (unetLayoutError says why). */
  unetLayout: LayoutUnet | null;
  unetLayoutError: ModelError | null;
  vaeDecoder: LoadedSession;
  /** Input dtypes/ranks as this export declares them (int32 vs int64 ids, rank-0 vs rank-1 timestep). */
  inputs: { textEncoder: Map<string, InputSpec>; unet: Map<string, InputSpec>; vaeDecoder: Map<string, InputSpec> };
  /** Text encoder output width D (768 SD 1.x, 1024 SD 2.x, 128 shapes). */
  textWidth: number;
  latentChannels: number;
  /** Pixels per latent cell (8 for SD, 4 for the shapes model). */
  vaeFactor: number;
  vaeScalingFactor: number;
  /** Default output size in pixels (unet sample_size x vaeFactor). */
  defaultSize: number;
  /** scheduler/scheduler_config.json, validated once at load. */
  scheduler: SchedulerConfig;
  /** The scheduler's prediction type, narrowed to the two the samplers drive. */
  predictionType: 'epsilon' | 'v_prediction';
  /** The layout-guidance settings model_index.json recommends ("cones_graph"), else the Cones 2 reference's. */
  recommended: Recommendation;
  warnings: string[];
  describe(): string;
}

export interface LoadModelOptions {
  provider?: ProviderChoice;
  deviceId?: number;
  onWarning?: (message: string) => void;
}

export async function loadSdModel(folderPath: string, opts: LoadModelOptions = {}): Promise<SdModel> {
  const folder = readSdFolder(folderPath);
  const warnings: string[] = [];
  const onWarning = (message: string): void => {
    if (!warnings.includes(message)) warnings.push(message);
    opts.onWarning?.(message);
  };
  const sessionOpts = { provider: opts.provider ?? 'cpu', deviceId: opts.deviceId, onWarning };
  const [tokenizer, textEncoder, opened, vaeDecoder] = await Promise.all([
    loadClipTokenizer(folder.tokenizerDir),
    createSession(folder.textEncoder, sessionOpts),
    openUnet(folder.unet, {
      ...sessionOpts, querySlices: querySlicesFor(num(folder.configs.unet.sample_size) ?? undefined),
    }),
    createSession(folder.vaeDecoder, sessionOpts),
  ]);
  const unet = opened.loaded;
  const inputs = {
    textEncoder: inputSpecs(textEncoder.session), unet: inputSpecs(unet.session), vaeDecoder: inputSpecs(vaeDecoder.session),
  };
  const requiredInputs = [
    ['unet', ['sample', 'timestep', 'encoder_hidden_states']], ['textEncoder', ['input_ids']], ['vaeDecoder', ['latent_sample']],
  ] as const;
  for (const [part, names] of requiredInputs) {
    for (const name of names) {
      if (!inputs[part].has(name)) {
        throw new ModelError('E_MODEL_UNSUPPORTED_EXPORT', `Expected the ${part} of ${folder.root} to have an input "${name}" ` +
          `but it has ${[...inputs[part].keys()].join(', ')}.`, {
          hint: 'Only Stable Diffusion ONNX exports with the diffusers/Optimum input names are supported.',
        });
      }
    }
  }
  const cfg = folder.configs;
  const textWidth = textWidthOf(cfg) ?? staticDim(inputs.unet.get('encoder_hidden_states')!, 2);
  const latentChannels = staticDim(inputs.unet.get('sample')!, 1) ?? num(cfg.unet.in_channels) ?? 4;
  const vaeFactor = vaeFactorOf(cfg);
  if (!textWidth) {
    throw new ModelError('E_MODEL_UNSUPPORTED_EXPORT', `Cannot tell the text encoder width of ${folder.root}: ` +
      'no text_encoder/config.json hidden_size and a dynamic encoder_hidden_states width.', {
      hint: 'Add text_encoder/config.json with "hidden_size".',
    });
  }
  const scheduler = parseSchedulerConfig(folder.schedulerConfig);
  const prediction = scheduler.predictionType;
  if (prediction !== 'epsilon' && prediction !== 'v_prediction') {
    throw new ModelError('E_MODEL_UNSUPPORTED_EXPORT', 'Expected prediction_type "epsilon" or "v_prediction" in scheduler_config.json ' +
      `but received "${prediction}".`);
  }
  const sampleSize = num(cfg.unet.sample_size) ?? staticDim(inputs.unet.get('sample')!, 2) ?? 64;
  const provider = unet.provider;
  const id = String((folder.modelIndex?._name_or_path as string | undefined) ?? basename(folder.root));
  const recommended = readRecommendation(folder.modelIndex);
  recommended.problems.forEach(onWarning);
  return {
    id, folder, provider, tokenizer, textEncoder, unet, unetLayout: opened.layout, unetLayoutError: opened.layoutError, vaeDecoder, inputs, textWidth, latentChannels, vaeFactor,
    vaeScalingFactor: num(cfg.vaeDecoder.scaling_factor) ?? SD_VAE_SCALING_FACTOR,
    defaultSize: sampleSize * vaeFactor,
    scheduler,
    predictionType: prediction,
    recommended,
    warnings,
    describe: () => `SdModel(${id}, D=${textWidth}, ${provider})`,
  };
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function staticDim(spec: InputSpec, axis: number): number | null {
  const d = spec.shape[axis];
  return typeof d === 'number' && d > 0 ? d : null;
}
