/**
 * Identity of a surgery's inputs, stored in the patched model's metadata_props so a later run can
 * reuse it: the source .onnx's size, mtime and SHA-256 plus size and mtime of each external weights file.
 * A patched file is current when the surgery version matches, sizes match, and either the mtime
 * matches or (after a touch or a copy) the content hash still does.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface FileStamp { size: number; mtimeMs: number }

export interface SourceFingerprint extends FileStamp {
  sha256: string;
  external: Record<string, FileStamp>;
}

export function stamp(path: string): FileStamp {
  const s = statSync(path);
  return { size: s.size, mtimeMs: s.mtimeMs };
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function externalStamps(sourcePath: string, locations: string[], dataDir = dirname(sourcePath)): Record<string, FileStamp> {
  const dir = dataDir;
  return Object.fromEntries(locations.map((loc) => [loc, stamp(join(dir, loc))]));
}

/** `dataDir`: where the external files are, when not beside the source (a patched graph in the cache). */
export async function fingerprint(sourcePath: string, externalLocations: string[], dataDir?: string): Promise<SourceFingerprint> {
  return { ...stamp(sourcePath), sha256: await sha256File(sourcePath), external: externalStamps(sourcePath, externalLocations, dataDir) };
}

/** True when `recorded` still describes the source on disk. Hashes only when the mtime moved. */
export async function stillCurrent(sourcePath: string, recorded: SourceFingerprint, dataDir?: string): Promise<boolean> {
  const now = stamp(sourcePath);
  if (now.size !== recorded.size) return false;
  for (const [loc, old] of Object.entries(recorded.external ?? {})) {
    let cur: FileStamp;
    try { cur = externalStamps(sourcePath, [loc], dataDir)[loc]; } catch { return false; }
    if (cur.size !== old.size || cur.mtimeMs !== old.mtimeMs) return false;
  }
  return now.mtimeMs === recorded.mtimeMs || (await sha256File(sourcePath)) === recorded.sha256;
}
