/**
 * UNet surgery on files and bytes: decode, patch (patch-model.ts), record provenance, write the patched model into a
 * cache folder (never into the model folder, which may be shared and read-only) and reuse a current patched file
 * instead of redoing the work. The patched file keeps the original's external-data references; its session reads
 * those weights in place from the source folder (`externalDataFolder`), so nothing is copied.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { ModelError } from '../../errors';
import { cachedFileName, derivedFrom, META_DERIVED_FROM } from '../cache-dir';
import { pruneCache } from '../cache-prune';
import { assertModelFile } from '../session';
import { decodeModel, encodeModel, metadataEntry, type ModelProto } from '../proto';
import { assertExternalRefsValid, externalFiles, externalRefs } from './external-data';
import { fingerprint, stillCurrent, type SourceFingerprint } from './fingerprint';
import { readModelMetadata } from './model-metadata';
import { patchModel, type PatchDescription, type PatchOptions } from './patch-model';

/** Bump when the rewrite changes, so older patched files are redone. */
export const SURGERY_VERSION = '2';
export const META_VERSION = 'cones.layout_surgery.version';
export const META_SOURCE = 'cones.layout_surgery.source';
export const META_LAYERS = 'cones.layout_surgery.layers';
export const META_SLICES = 'cones.layout_surgery.query_slices';

export interface PatchFileOptions extends PatchOptions {
  /** Default: `defaultPatchedPath(source, querySlices)`, in the cache folder. */
  outPath?: string;
  /** Re-patch even when a current patched file exists. */
  force?: boolean;
  logger?: (message: string) => void;
}

export interface PatchedUnet extends PatchDescription {
  path: string;
  /** True when an existing patched file was reused. */
  cached: boolean;
  /** Where the patched model's external-data weights are: the source's folder (pass to createSession). */
  externalDataFolder: string;
}

/**
 * `<cache>/unet-layout/<folder>-<stem>-<hash of the source's real path>[.q<slices>].layout.onnx`: one patched file
 * per source file and query slicing (so processes slicing differently do not re-patch each other's file), which the
 * fingerprint in its metadata keeps current (a changed source is patched again, atomically, under the same name).
 */
export function defaultPatchedPath(sourcePath: string, querySlices = 0): string {
  const ext = extname(sourcePath);
  const slices = querySlices > 1 ? `.q${querySlices}` : '';
  return cachedFileName('unet-layout', sourcePath, `${slices}.layout${ext || '.onnx'}`);
}

export async function patchUnetFile(sourcePath: string, opts: PatchFileOptions = {}): Promise<PatchedUnet> {
  const source = resolve(sourcePath);
  assertModelFile(source);
  const querySlices = opts.querySlices === 1 ? 0 : opts.querySlices ?? 0; // 1 slice is the whole attention
  const outPath = resolve(opts.outPath ?? defaultPatchedPath(source, querySlices));
  if (outPath === source) {
    throw new ModelError('E_SURGERY_EXTERNAL_DATA', `Expected the patched model to go to a new file but outPath is the source ${source}.`, {
      hint: 'Leave outPath unset to write the patched model into the cache folder (CONES_CACHE_DIR).',
    });
  }
  if (!opts.force && existsSync(outPath)) {
    const reused = await reusable(source, outPath, querySlices);
    if (reused) {
      opts.logger?.(`onnx surgery: reusing ${outPath}`);
      return { ...reused, path: outPath, cached: true, externalDataFolder: dirname(source) };
    }
  }
  opts.logger?.(`onnx surgery: patching ${source}`);
  const model = decodeModel(readFileSync(source), source);
  const refs = externalRefs(model);
  assertExternalRefsValid(refs, source); // they stay relative to the source's folder, read from there
  const print = await fingerprint(source, externalFiles(refs));
  const description = patchModel(model, { ...opts, querySlices });
  recordProvenance(model, source, print, description, querySlices);
  // Write then rename, so an interrupted run never leaves a truncated model that looks current, and two processes
  // patching at once each rename a whole file over the other (both are the same patch of the same source).
  mkdirSync(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeModel(model));
  renameSync(tmp, outPath);
  const pruned = pruneCache();
  if (pruned.removed.length) opts.logger?.(`onnx surgery: removed ${pruned.removed.length} cached file(s) whose source is gone (${mib(pruned.bytes)} MiB)`);
  return { ...description, path: outPath, cached: false, externalDataFolder: dirname(source) };
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

async function reusable(source: string, outPath: string, querySlices: number): Promise<PatchDescription | null> {
  let meta: Map<string, string>;
  try { meta = readModelMetadata(outPath); } catch { return null; }
  if (meta.get(META_VERSION) !== SURGERY_VERSION) return null;
  if (meta.get(META_SLICES) !== String(querySlices)) return null;
  const recorded = meta.get(META_SOURCE), layers = meta.get(META_LAYERS);
  if (!recorded || !layers) return null;
  try {
    if (!(await stillCurrent(source, JSON.parse(recorded) as SourceFingerprint))) return null;
    return JSON.parse(layers) as PatchDescription;
  } catch {
    return null;
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function recordProvenance(model: ModelProto, source: string, print: SourceFingerprint, description: PatchDescription, querySlices: number): void {
  const ours = new Set([META_VERSION, META_SOURCE, META_LAYERS, META_SLICES, META_DERIVED_FROM]);
  model.metadataProps = model.metadataProps.filter((e) => !ours.has(e.key));
  model.metadataProps.push(
    metadataEntry(META_VERSION, SURGERY_VERSION),
    metadataEntry(META_SOURCE, JSON.stringify(print)),
    metadataEntry(META_LAYERS, JSON.stringify(description)),
    metadataEntry(META_SLICES, String(querySlices)),
    metadataEntry(META_DERIVED_FROM, derivedFrom(source)),
  );
}
