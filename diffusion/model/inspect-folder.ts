/**
 * What can be told about a Stable Diffusion ONNX folder without opening a session: the checks of loadSdModel() that
 * need only the folder layout, the small JSON configs and the tokenizer files (all read through the size limits of
 * diffusion/io/bounded-read.ts), with the same codes. Used before a run to find a missing or mismatched model early;
 * no ONNX file is opened and no weight is read.
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ModelError } from '../errors';
import { parseSchedulerConfig } from '../schedule';
import { loadClipTokenizer, TOKENIZER_FILES, type ClipTokenizer } from '../tokenizer';
import { readRecommendation, type Recommendation } from './recommended';
import { readSdFolder, type SdFolder } from './sd-folder';

export interface SdFolderFacts {
  root: string;
  /** As SdModel.id: model_index.json `_name_or_path`, else the folder name. */
  id: string;
  /** Text encoder width D from text_encoder/config.json hidden_size or unet/config.json cross_attention_dim; undefined when neither says (the session would tell). */
  textWidth?: number;
  /** Pixels per latent cell, as loadSdModel() derives it. */
  vaeFactor: number;
  /** unet sample_size x vaeFactor when the config says. */
  defaultSize?: number;
  predictionType: 'epsilon' | 'v_prediction';
  tokenizer: ClipTokenizer;
  /** model_index.json's recommended layout settings, as loadSdModel() reads them. */
  recommended: Recommendation;
}

export async function inspectSdFolder(path: string): Promise<SdFolderFacts> {
  const folder = readSdFolder(path);
  const tokenizer = await cachedTokenizer(folder.tokenizerDir);
  const scheduler = parseSchedulerConfig(folder.schedulerConfig);
  const prediction = scheduler.predictionType;
  if (prediction !== 'epsilon' && prediction !== 'v_prediction') {
    throw new ModelError('E_MODEL_UNSUPPORTED_EXPORT', 'Expected prediction_type "epsilon" or "v_prediction" in scheduler_config.json ' +
      `but received "${prediction}".`);
  }
  const vaeFactor = vaeFactorOf(folder.configs);
  const sampleSize = num(folder.configs.unet.sample_size);
  return {
    root: folder.root,
    id: String((folder.modelIndex?._name_or_path as string | undefined) ?? basename(folder.root)),
    textWidth: textWidthOf(folder.configs) ?? undefined,
    vaeFactor,
    defaultSize: sampleSize === null ? undefined : sampleSize * vaeFactor,
    predictionType: prediction,
    tokenizer,
    recommended: readRecommendation(folder.modelIndex),
  };
}

/** Text width from the configs alone (loadSdModel() also asks the UNet session, between these two). */
export function textWidthOf(configs: SdFolder['configs']): number | null {
  return num(configs.textEncoder.hidden_size) ?? num(configs.unet.cross_attention_dim);
}

/** Pixels per latent cell from vae_decoder/config.json (8, the SD value, when it does not say). */
export function vaeFactorOf(configs: SdFolder['configs']): number {
  const blocks = Array.isArray(configs.vaeDecoder.block_out_channels) ? configs.vaeDecoder.block_out_channels.length : null;
  return num(configs.vaeDecoder.downsample_factor) ?? num(configs.vaeDecoder.downscale_factor) ?? (blocks ? 2 ** (blocks - 1) : 8);
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Parsed tokenizers by folder, keyed by the files' sizes and modification times: a server validating every
 * submitted graph parses CLIP's 1.6 MB vocabulary once, not per request. A few entries only.
 */
const TOKENIZER_CACHE_SIZE = 4;
const tokenizers = new Map<string, { stamp: string; tokenizer: Promise<ClipTokenizer> }>();

async function cachedTokenizer(dir: string): Promise<ClipTokenizer> {
  const stamp = Object.values(TOKENIZER_FILES).map((f) => fileStamp(join(dir, f))).join('|');
  const hit = tokenizers.get(dir);
  if (hit && hit.stamp === stamp) {
    tokenizers.delete(dir);
    tokenizers.set(dir, hit); // most recently used last
    return hit.tokenizer;
  }
  const tokenizer = loadClipTokenizer(dir);
  tokenizers.set(dir, { stamp, tokenizer });
  while (tokenizers.size > TOKENIZER_CACHE_SIZE) tokenizers.delete(tokenizers.keys().next().value!);
  try {
    return await tokenizer;
  } catch (err) {
    if (tokenizers.get(dir)?.tokenizer === tokenizer) tokenizers.delete(dir); // failures are not kept
    throw err;
  }
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return '-';
  }
}
