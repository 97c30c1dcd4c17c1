/**
 * UNet surgery on files and bytes: decode, patch (patch-model.ts), record provenance, write the patched
 * model beside the original (`unet/model.onnx` -> `unet/model.layout.onnx`) so its external-data
 * references stay valid, and reuse a current patched file instead of redoing the work.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ModelError } from '../../errors';
import { assertModelFile } from '../session';
import { decodeModel, encodeModel, metadataEntry, type ModelProto } from '../proto';
import { assertExternalRefsValid, externalFiles, externalRefs } from './external-data';
import { fingerprint, stillCurrent, type SourceFingerprint } from './fingerprint';
import { readModelMetadata } from './model-metadata';
import { patchModel, type PatchDescription, type PatchOptions } from './patch-model';

/** Bump when the rewrite changes, so older patched files are redone. */
export const SURGERY_VERSION = '1';
export const META_VERSION = 'cones.layout_surgery.version';
export const META_SOURCE = 'cones.layout_surgery.source';
export const META_LAYERS = 'cones.layout_surgery.layers';

export interface PatchFileOptions extends PatchOptions {
  /** Default: `<source stem>.layout.onnx` in the source's folder. */
  outPath?: string;
  /** Re-patch even when a current patched file exists. */
  force?: boolean;
  logger?: (message: string) => void;
}

export interface PatchedUnet extends PatchDescription {
  path: string;
  /** True when an existing patched file was reused. */
  cached: boolean;
}

export function defaultPatchedPath(sourcePath: string): string {
  const ext = extname(sourcePath);
  return join(dirname(sourcePath), `${basename(sourcePath, ext)}.layout${ext || '.onnx'}`);
}

export async function patchUnetFile(sourcePath: string, opts: PatchFileOptions = {}): Promise<PatchedUnet> {
  const source = resolve(sourcePath);
  assertModelFile(source);
  const outPath = resolve(opts.outPath ?? defaultPatchedPath(source));
  if (outPath === source) {
    throw new ModelError('E_SURGERY_EXTERNAL_DATA', `Expected the patched model to go to a new file but outPath is the source ${source}.`, {
      hint: 'Leave outPath unset to write <name>.layout.onnx beside the source.',
    });
  }
  if (!opts.force && existsSync(outPath)) {
    const reused = await reusable(source, outPath);
    if (reused) {
      opts.logger?.(`onnx surgery: reusing ${outPath}`);
      return { ...reused, path: outPath, cached: true };
    }
  }
  opts.logger?.(`onnx surgery: patching ${source}`);
  const model = decodeModel(readFileSync(source), source);
  const refs = externalRefs(model);
  assertExternalRefsValid(refs, outPath);
  const print = await fingerprint(source, externalFiles(refs));
  const description = patchModel(model, opts);
  recordProvenance(model, print, description);
  // Write then rename, so an interrupted run never leaves a truncated model that looks current.
  const tmp = `${outPath}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeModel(model));
  renameSync(tmp, outPath);
  return { ...description, path: outPath, cached: false };
}

/** Patches an in-memory model. External data, if any, must be resolvable wherever the bytes are loaded. */
export function patchUnetBytes(bytes: Uint8Array, opts: PatchOptions = {}): PatchDescription & { bytes: Uint8Array } {
  const model = decodeModel(bytes);
  const description = patchModel(model, opts);
  return { ...description, bytes: encodeModel(model) };
}

/** The layer description stored in a patched file, or null if the file was not written by this surgery. */
export function readPatchedDescription(patchedPath: string): PatchDescription | null {
  try {
    const meta = readModelMetadata(patchedPath);
    const layers = meta.get(META_LAYERS);
    return layers ? (JSON.parse(layers) as PatchDescription) : null;
  } catch {
    return null;
  }
}

async function reusable(source: string, outPath: string): Promise<PatchDescription | null> {
  let meta: Map<string, string>;
  try { meta = readModelMetadata(outPath); } catch { return null; }
  if (meta.get(META_VERSION) !== SURGERY_VERSION) return null;
  const recorded = meta.get(META_SOURCE), layers = meta.get(META_LAYERS);
  if (!recorded || !layers) return null;
  try {
    if (!(await stillCurrent(source, JSON.parse(recorded) as SourceFingerprint))) return null;
    return JSON.parse(layers) as PatchDescription;
  } catch {
    return null;
  }
}

function recordProvenance(model: ModelProto, print: SourceFingerprint, description: PatchDescription): void {
  const ours = new Set([META_VERSION, META_SOURCE, META_LAYERS]);
  model.metadataProps = model.metadataProps.filter((e) => !ours.has(e.key));
  model.metadataProps.push(
    metadataEntry(META_VERSION, SURGERY_VERSION),
    metadataEntry(META_SOURCE, JSON.stringify(print)),
    metadataEntry(META_LAYERS, JSON.stringify(description)),
  );
}
