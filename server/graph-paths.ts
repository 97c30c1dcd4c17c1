import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileNotAllowedError, resolveFileInput, type GraphIssue, type loadGraph } from '../engine';
import { ServerError } from './codes';
import type { FolderName } from './options';

type Validated = ReturnType<typeof loadGraph>['validated'];

/** A folder where relative file inputs are looked up (`base`), and the subtree they must stay in (`root`). */
export interface SearchBase {
  base: string;
  root: string;
}

export const INSTALL_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

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
 * Refuses, before queueing, a graph whose literal file inputs lead outside the search bases: the same check the
 * engine applies to every file input when the run opens it (engine/file-inputs.ts), answered early so nothing
 * doomed is queued. Throws E_PATH_OUTSIDE_FOLDER listing every offending input.
 */
export function checkGraphPaths(graph: Validated, bases: readonly SearchBase[]): void {
  const access = { searchPaths: bases.map((b) => b.base), roots: bases.map((b) => b.root) };
  const issues: GraphIssue[] = [];
  for (const node of graph.nodes.values()) {
    for (const [name, spec] of Object.entries(node.def.inputs)) {
      const value = node.literals[name];
      if (!spec.file || typeof value !== 'string') continue;
      try {
        resolveFileInput(name, value, spec.file, access);
      } catch (err) {
        if (!(err instanceof FileNotAllowedError)) throw err;
        issues.push({ code: 'E_PATH_OUTSIDE_FOLDER', nodeId: node.id, nodeType: node.def.type, input: name, message: err.message });
      }
    }
  }
  if (issues.length) {
    throw new ServerError('E_PATH_OUTSIDE_FOLDER', `The graph names ${issues.length} file(s) outside the server's folders.`, {
      issues,
      hint: 'Upload the file (POST /api/upload/:folder) and refer to it by its name in that folder.',
    });
  }
}
