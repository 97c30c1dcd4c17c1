/**
 * The project's one error catalogue: every coded error any layer throws, assembled from the layers' own tables
 * (each `{ CODE: { summary, status? } } as const satisfies CodeTable`). The list is explicit, as ajv lists its
 * keywords: a new table is one more line here, never found by scanning folders. Codes are unique across layers.
 * README.md, section "Error codes", lists the same codes by layer; test/errors/catalogue.test.ts keeps the
 * source, this catalogue and the README in step.
 */
import { BENCH_ERRORS } from '../bench/codes';
import { CLI_ERRORS } from '../cli/codes';
import { GUIDANCE_ERRORS } from '../diffusion/guidance/codes';
import { IMAGE_ERRORS } from '../diffusion/image/codes';
import { IO_ERRORS } from '../diffusion/io/codes';
import { LAYOUT_ERRORS } from '../diffusion/layout/codes';
import { MODEL_ERRORS } from '../diffusion/model/codes';
import { NOISE_ERRORS } from '../diffusion/noise/codes';
import { ONNX_ERRORS } from '../diffusion/onnx/codes';
import { PIPELINE_ERRORS } from '../diffusion/pipeline/codes';
import { RESIDUAL_ERRORS } from '../diffusion/residuals/codes';
import { SAMPLER_ERRORS } from '../diffusion/samplers/codes';
import { SCHEDULE_ERRORS } from '../diffusion/schedule/codes';
import { TOKENIZER_ERRORS } from '../diffusion/tokenizer/codes';
import { ERROR_CODES as ENGINE_ERRORS } from '../engine/errors';
import { EVAL_ERRORS } from '../eval/codes';
import { NODE_ERRORS } from '../nodes/codes';
import { CLIENT_ERRORS, SERVER_ERRORS } from '../server/codes';
import type { CodeEntry, CodeTable } from './code-table';

export interface ErrorLayer {
  /** The folder the codes belong to, as the README groups them. */
  readonly layer: string;
  readonly table: CodeTable;
}

/** Every layer's table, in the order of the README's list. */
export const ERROR_LAYERS = [
  { layer: 'engine', table: ENGINE_ERRORS },
  { layer: 'nodes', table: NODE_ERRORS },
  { layer: 'diffusion/model', table: MODEL_ERRORS },
  { layer: 'diffusion/onnx', table: ONNX_ERRORS },
  { layer: 'diffusion/tokenizer', table: TOKENIZER_ERRORS },
  { layer: 'diffusion/residuals', table: RESIDUAL_ERRORS },
  { layer: 'diffusion/layout', table: LAYOUT_ERRORS },
  { layer: 'diffusion/schedule', table: SCHEDULE_ERRORS },
  { layer: 'diffusion/samplers', table: SAMPLER_ERRORS },
  { layer: 'diffusion/guidance', table: GUIDANCE_ERRORS },
  { layer: 'diffusion/noise', table: NOISE_ERRORS },
  { layer: 'diffusion/pipeline', table: PIPELINE_ERRORS },
  { layer: 'diffusion/image', table: IMAGE_ERRORS },
  { layer: 'diffusion/io', table: IO_ERRORS },
  { layer: 'cli', table: CLI_ERRORS },
  { layer: 'server', table: SERVER_ERRORS },
  { layer: 'editor', table: CLIENT_ERRORS },
  { layer: 'eval', table: EVAL_ERRORS },
  { layer: 'bench', table: BENCH_ERRORS },
] as const satisfies readonly ErrorLayer[];

type KeysOf<T> = T extends unknown ? Extract<keyof T, string> : never;

/** Every code of the project. */
export type ErrorCode = KeysOf<(typeof ERROR_LAYERS)[number]['table']>;

/** Merges layer tables into one; throws when two layers claim the same code. */
export function mergeTables(layers: readonly ErrorLayer[]): Record<string, CodeEntry> {
  const merged: Record<string, CodeEntry> = {};
  const owner = new Map<string, string>();
  for (const { layer, table } of layers) {
    for (const [code, entry] of Object.entries(table)) {
      const first = owner.get(code);
      if (first !== undefined) throw new Error(`Expected each error code in one layer table but ${code} is in both ${first} and ${layer}.`);
      owner.set(code, layer);
      merged[code] = entry;
    }
  }
  return merged;
}

export const ERROR_CATALOGUE = mergeTables(ERROR_LAYERS) as Readonly<Record<ErrorCode, CodeEntry>>;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}
