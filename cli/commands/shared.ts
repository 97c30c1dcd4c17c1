import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPngText } from '../../diffusion/image/png-text';
import { GraphValidationError } from '../../engine';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(bytes: Buffer): boolean {
  return bytes.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** The graph a SaveImage node embedded in its PNG ("cones-graph" text entry): `cones run out.png` runs it again. */
function graphFromPng(bytes: Buffer, path: string): string {
  let text: Record<string, string>;
  try {
    text = readPngText(bytes);
  } catch (err) {
    throw new GraphValidationError([{ code: 'E_GRAPH_FILE', message: `Expected ${path} to be a readable PNG but ${(err as Error).message}` }]);
  }
  const graph = text['cones-graph'];
  if (graph === undefined) {
    throw new GraphValidationError([{
      code: 'E_GRAPH_FILE', message: `Expected ${path} to carry a graph (a "cones-graph" text entry, written by SaveImage) but it has none.`,
      hint: 'Only PNGs saved by cones-graph embed their graph; run the graph file itself instead.',
    }]);
  }
  return graph;
}

/** The package's install folder: relative paths in graphs (e.g. "models/shapes") are also looked up here. */
export const INSTALL_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Library folders for `lib/NAME` subgraph node types: each `--lib DIR` (first given, first searched), then the
 * install's `graphs/lib/` (always searched, so the shipped subgraphs work from any folder).
 */
export function libraryFolders(lib: readonly string[] | undefined): string[] {
  return [...(lib ?? []).map((dir) => resolve(dir)), join(INSTALL_ROOT, 'graphs', 'lib')];
}

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
    const bytes = await readFile(path);
    return isPng(bytes) ? graphFromPng(bytes, path) : bytes.toString('utf8');
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
