import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphValidationError } from '../../engine';

/** The package's install folder: relative paths in graphs (e.g. "models/shapes") are also looked up here. */
export const INSTALL_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function readGraphText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `Graph file not found: ${path}.` : `Cannot read graph file ${path}: ${(err as Error).message}.`;
    throw new GraphValidationError([{ code: 'E_GRAPH_FILE', message }]);
  }
}

export function writeJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
