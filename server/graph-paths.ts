import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphIssue, loadGraph } from '../engine';
import { ServerError } from './codes';
import type { FolderName } from './options';
import { isInside, resolveInFolder } from './paths';

type Validated = ReturnType<typeof loadGraph>['validated'];

/** A folder where relative file inputs are looked up (`base`), and the subtree they must stay in (`root`). */
export interface SearchBase {
  base: string;
  root: string;
}

const INSTALL_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * Where relative file inputs resolve, first existing wins (the engine's searchPaths, in the same order):
 * the configured folders, then the install root, but only for `models/...` (so the shipped model's default
 * `models/shapes` works while the rest of the install stays unreadable).
 */
export function searchBases(folders: Record<FolderName, string>): SearchBase[] {
  const own = (['inputs', 'residuals', 'layouts', 'outputs', 'graphs'] as const).map((f) => ({ base: folders[f], root: folders[f] }));
  return [...own, { base: INSTALL_ROOT, root: join(INSTALL_ROOT, 'models') }];
}

/**
 * Refuses a graph whose file inputs (inputs declared `file`) name anything outside the search bases:
 * absolute paths, `..`, NUL bytes, symlinks out, or install files other than models. Throws
 * E_PATH_OUTSIDE_FOLDER listing every offending input.
 */
export function checkGraphPaths(graph: Validated, bases: readonly SearchBase[]): void {
  const issues: GraphIssue[] = [];
  for (const node of graph.nodes.values()) {
    for (const [name, spec] of Object.entries(node.def.inputs)) {
      const value = node.literals[name];
      if (!spec.file || typeof value !== 'string') continue;
      const problem = pathProblem(value, bases);
      if (problem) issues.push({ code: 'E_PATH_OUTSIDE_FOLDER', nodeId: node.id, nodeType: node.def.type, input: name, message: problem });
    }
  }
  if (issues.length) {
    throw new ServerError('E_PATH_OUTSIDE_FOLDER', `The graph names ${issues.length} file(s) outside the server's folders.`, {
      issues,
      hint: 'Upload the file (POST /api/upload/:folder) and refer to it by its name in that folder.',
    });
  }
}

function pathProblem(value: string, bases: readonly SearchBase[]): string | undefined {
  for (const { base, root } of bases) {
    let candidate: string;
    try {
      candidate = resolveInFolder(base, value);
    } catch (err) {
      return (err as Error).message;
    }
    if (!existsSync(candidate)) continue;
    try {
      if (!isInside(root, candidate)) throw new Error('outside');
      resolveInFolder(root, relative(root, candidate));
    } catch {
      return `Expected "${value}" to be a file in one of the server's folders (or under models/) but it resolves outside them.`;
    }
    return undefined;
  }
  return undefined;
}
