/**
 * GET /api/choices: the values the editor's pickers offer for file inputs, as the paths a graph would carry (they
 * resolve through the same search bases as a run: a name in a served folder, or `models/...` of the install).
 *
 *   { models: ["models/shapes"], residuals: ["holed_star.safetensors", "models/shapes/residuals/holed_star.safetensors"],
 *     layouts: [...], inputs: [...], truncated: false }
 *
 * Node inputs name their list with the schema keyword `x-choices`. Bounded: two folder levels, MAX_CHOICES entries
 * per list, symbolic links not followed (a link planted in a folder cannot list what lies outside it).
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Router } from 'express';
import type { AppContext } from '../context';
import { INSTALL_ROOT } from '../graph-paths';

export const MAX_CHOICES = 500;
const MAX_DEPTH = 2;
const KINDS = {
  residuals: /\.(safetensors|pt)$/i,
  layouts: /\.png$/i,
  inputs: /\.(png|jpe?g|webp)$/i,
} as const;

interface Listing { files: string[]; truncated: boolean }

/** Regular files under `dir` (depth <= MAX_DEPTH) matching `pattern`, relative to `base`, sorted. */
function listFiles(dir: string, base: string, pattern: RegExp, out: Listing, depth = 0): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // a folder that does not exist (yet) has nothing to offer
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.files.length >= MAX_CHOICES) { out.truncated = true; return; }
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isFile() && pattern.test(e.name)) out.files.push(relative(base, path));
    else if (e.isDirectory() && depth + 1 < MAX_DEPTH) listFiles(path, base, pattern, out, depth + 1);
  }
}

/** `models/<name>` for every folder of the install's models/ that looks like an SD ONNX export. */
function modelFolders(): string[] {
  const root = join(INSTALL_ROOT, 'models');
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && readdirSync(join(root, e.name)).includes('unet'))
      .map((e) => `models/${e.name}`).sort().slice(0, MAX_CHOICES);
  } catch {
    return [];
  }
}

export function choicesRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/choices', (_req, res) => {
    const models = modelFolders();
    const lists: Record<string, Listing> = {};
    for (const [kind, pattern] of Object.entries(KINDS)) {
      const listing: Listing = { files: [], truncated: false };
      const folder = ctx.opts.folders[kind as keyof typeof KINDS];
      listFiles(folder, folder, pattern, listing);
      // The shipped models' residuals (models/<name>/residuals/*), as graphs name them.
      if (kind === 'residuals') for (const m of models) listFiles(join(INSTALL_ROOT, m, 'residuals'), INSTALL_ROOT, pattern, listing, MAX_DEPTH - 1);
      lists[kind] = listing;
    }
    res.json({
      models,
      residuals: lists.residuals.files, layouts: lists.layouts.files, inputs: lists.inputs.files,
      truncated: Object.values(lists).some((l) => l.truncated),
    });
  });
  return r;
}
