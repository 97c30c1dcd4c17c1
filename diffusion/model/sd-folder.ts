import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError } from '../errors';
import { checkFileSize } from '../io/bounded-read';

/**
 * A Stable Diffusion ONNX folder (Hugging Face Optimum / diffusers export layout):
 *
 *   model_index.json                     (optional: older exports lack it)
 *   scheduler/scheduler_config.json
 *   tokenizer/{vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json}
 *   text_encoder/model.onnx   unet/model.onnx (+ model.onnx_data | weights.pb)   vae_decoder/model.onnx
 *   vae_encoder/model.onnx               (optional: only image-to-image needs it)
 *
 * This module only finds files and reads the small JSON configs; sessions are opened by load.ts.
 */
export interface SdFolder {
  root: string;
  modelIndex: Record<string, unknown> | null;
  schedulerConfig: Record<string, unknown>;
  tokenizerDir: string;
  textEncoder: string;
  unet: string;
  vaeDecoder: string;
  vaeEncoder: string | null;
  /** Component configs (config.json beside each model.onnx), empty objects when absent. */
  configs: { textEncoder: Record<string, unknown>; unet: Record<string, unknown>; vaeDecoder: Record<string, unknown> };
}

const REQUIRED = [
  'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt',
  'text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx',
];

export function readSdFolder(folder: string): SdFolder {
  const root = resolve(folder);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new ModelError('E_MODEL_FOLDER_MISSING', `Expected a Stable Diffusion ONNX folder at ${root} but it does not exist.`, {
      hint: 'Use "models/shapes" for the embedded model, ' +
        'or the folder of an ONNX export (Optimum: optimum-cli export onnx --model ... DIR).',
    });
  }
  const missing = REQUIRED.filter((f) => !existsSync(join(root, f)));
  if (missing.length) {
    throw new ModelError('E_MODEL_FOLDER_INCOMPLETE', `Expected ${root} to be a Stable Diffusion ONNX folder ` +
      `but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing.`, {
      hint: `The expected layout is: ${REQUIRED.join(', ')} (+ optional model_index.json, vae_encoder/model.onnx).`,
      details: { missing },
    });
  }
  const vaeEncoder = join(root, 'vae_encoder/model.onnx');
  return {
    root,
    modelIndex: readJson(root, 'model_index.json', false),
    schedulerConfig: readJson(root, 'scheduler/scheduler_config.json', true)!,
    tokenizerDir: join(root, 'tokenizer'),
    textEncoder: join(root, 'text_encoder/model.onnx'),
    unet: join(root, 'unet/model.onnx'),
    vaeDecoder: join(root, 'vae_decoder/model.onnx'),
    vaeEncoder: existsSync(vaeEncoder) ? vaeEncoder : null,
    configs: {
      textEncoder: readJson(root, 'text_encoder/config.json', false) ?? {},
      unet: readJson(root, 'unet/config.json', false) ?? {},
      vaeDecoder: readJson(root, 'vae_decoder/config.json', false) ?? {},
    },
  };
}

function readJson(root: string, rel: string, required: boolean): Record<string, unknown> | null {
  const path = join(root, rel);
  if (!existsSync(path)) return null;
  checkFileSize(path, 'config'); // an oversized config is an error even where the config is optional
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    if (!required) return null;
    throw new ModelError('E_MODEL_CONFIG', `Expected ${path} to be a JSON object but it does not parse: ${(err as Error).message}.`, {
      hint: 'The export is corrupt; re-export the model folder.',
    });
  }
}
