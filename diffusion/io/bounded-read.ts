/**
 * Size limits for the files the model layer reads whole, checked before a byte is read, so a hostile or mistaken
 * path (a huge file, a file that keeps growing) cannot exhaust memory. Each limit is far above the real files:
 * CLIP's vocab.json is 1.6 MB, a Cones 2 residual 5 KB, a layout PNG a few hundred KB.
 */
import { readFileSync, statSync } from 'node:fs';
import { ModelError } from '../errors';

export const FILE_LIMITS = {
  /** a residual vector file (.safetensors, .pt) */
  residual: 16 * 2 ** 20,
  /** vocab.json, merges.txt */
  tokenizer: 32 * 2 ** 20,
  /** small JSON configs (scheduler, tokenizer, component config.json, model_index.json) */
  config: 2 ** 20,
  /** a layout or mask image */
  image: 64 * 2 ** 20,
} as const;

export type FileKind = keyof typeof FILE_LIMITS;

/**
 * Throws E_FILE_TOO_LARGE when the file at `path` is over the limit of its kind. Errors of stat itself (missing
 * file) are left to the caller's own read, which reports them with its layer's code.
 */
export function checkFileSize(path: string, kind: FileKind, label: string = path): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size > FILE_LIMITS[kind]) {
    throw new ModelError('E_FILE_TOO_LARGE', `Expected ${label} to be at most ${FILE_LIMITS[kind]} bytes (the ${kind} file limit) ` +
      `but it is ${size} bytes.`, {
      hint: 'Check that the path names the intended file.',
    });
  }
}

/** readFileSync after checkFileSize. */
export function readBounded(path: string, kind: FileKind, label?: string): Buffer {
  checkFileSize(path, kind, label);
  return readFileSync(path);
}
