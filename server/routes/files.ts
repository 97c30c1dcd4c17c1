import { stat } from 'node:fs/promises';
import { Router } from 'express';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { SERVED_FOLDERS, type ServedFolder } from '../file-urls';
import { resolveInFolder } from '../paths';

/**
 * Served files are sandboxed: a saved .html or .svg cannot run script on the API's origin (where it could
 * read the editor's token), and the browser may not guess another type than the extension's.
 */
const FILE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
  'X-Content-Type-Options': 'nosniff',
};

/** GET /api/files/:folder/<path>: a file from outputs, inputs, residuals or layouts. */
export function fileRoutes(ctx: AppContext): Router {
  const r = Router();
  // Parsed by hand from the raw path: route parameters would be decoded segment by segment, and we want to
  // decode once and then judge the whole path (so `..%2f` is seen as the `../` it is).
  r.get('/files/*path', async (req, res) => {
    const rawPath = req.path.slice('/files/'.length);
    const slash = rawPath.indexOf('/');
    const folder = decodeURIComponent(slash < 0 ? rawPath : rawPath.slice(0, slash));
    if (!(SERVED_FOLDERS as readonly string[]).includes(folder)) {
      throw new ServerError('E_UNKNOWN_FOLDER', `Expected one of ${SERVED_FOLDERS.join(', ')} but received folder "${folder}".`);
    }
    const rel = decodeURIComponent(slash < 0 ? '' : rawPath.slice(slash + 1));
    const target = resolveInFolder(ctx.opts.folders[folder as ServedFolder], rel);
    const info = await stat(target).catch(() => undefined);
    if (!info?.isFile()) throw new ServerError('E_NOT_FOUND', `No file "${rel}" in ${folder}.`);
    res.set(FILE_HEADERS);
    res.sendFile(target, { dotfiles: 'allow' });
  });
  return r;
}
