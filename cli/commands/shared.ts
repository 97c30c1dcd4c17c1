import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphValidationError } from '../../engine';

/** The package's install folder: relative paths in graphs (e.g. "models/shapes") are also looked up here. */
export const INSTALL_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Graph files are small JSON (the examples are a few KB); a larger "graph" is refused before it is read. */
export const MAX_GRAPH_FILE_BYTES = 16 * 2 ** 20;

export async function readGraphText(path: string): Promise<string> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) {
      throw new GraphValidationError([{ code: 'E_GRAPH_FILE', message: `Expected a graph file at ${path} but it is not a regular file.` }]);
    }
    if (stats.size > MAX_GRAPH_FILE_BYTES) {
      const message = `Expected a graph file of at most ${MAX_GRAPH_FILE_BYTES} bytes but ${path} has ${stats.size}.`;
      throw new GraphValidationError([{ code: 'E_GRAPH_FILE', message }]);
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof GraphValidationError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `Graph file not found: ${path}.` : `Cannot read graph file ${path}: ${(err as Error).message}.`;
    throw new GraphValidationError([{ code: 'E_GRAPH_FILE', message }]);
  }
}

export function writeJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
