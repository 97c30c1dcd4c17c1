/**
 * A short content digest of a model folder's weights, printed in every report header so a reader can tell which
 * build a report was measured on (the embedded model is rebuilt from time to time; reports are not all rerun with it).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The files that decide what the model draws: every component's model.onnx and every residual. */
function weightFiles(dir: string): string[] {
  const files: string[] = [];
  for (const component of readdirSync(dir).sort()) {
    const sub = join(dir, component);
    if (!statSync(sub).isDirectory()) continue;
    for (const name of readdirSync(sub).sort()) {
      if (name === 'model.onnx' || name.endsWith('.safetensors')) files.push(join(component, name));
    }
  }
  return files;
}

/**
 * sha256 over the weight files' relative paths and bytes, first 12 hex digits; "no weights" when the folder has none.
 * Hashes ~20 MB for the embedded model (tens of milliseconds); not meant for multi-gigabyte exports.
 */
export function modelDigest(dir: string): string {
  const files = weightFiles(dir);
  if (files.length === 0) return 'no weights';
  const hash = createHash('sha256');
  for (const rel of files) {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(join(dir, rel)));
  }
  return hash.digest('hex').slice(0, 12);
}
