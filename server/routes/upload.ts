import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import express, { Router } from 'express';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { fileUrl, type ServedFolder } from '../file-urls';
import { FOLDER_NAMES, type FolderName } from '../options';
import { resolveInFolder } from '../paths';
import { checkUpload, MAX_UPLOAD_BYTES } from '../upload-rules';

/** Tries NAME, NAME-1, NAME-2, ... with an exclusive create, so an existing file is never overwritten. */
async function writeNew(folder: string, name: string, data: Buffer): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < 10_000; i++) {
    const candidate = i === 0 ? name : `${stem}-${i}${ext}`;
    const target = resolveInFolder(folder, candidate);
    let handle;
    try {
      handle = await open(target, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    return candidate;
  }
  throw new ServerError('E_UPLOAD_FILENAME', `Too many files named like "${name}" already.`);
}

/** POST /api/upload/:folder?filename=NAME with the file as the raw request body. */
export function uploadRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post('/upload/:folder', express.raw({ type: () => true, limit: MAX_UPLOAD_BYTES }), async (req, res) => {
    const folder = req.params.folder as FolderName;
    if (!(FOLDER_NAMES as readonly string[]).includes(folder)) throw new ServerError('E_UNKNOWN_FOLDER', `No folder "${folder}".`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const name = checkUpload(folder, req.query.filename, req.headers['content-type'], body);
    const saved = await writeNew(ctx.opts.folders[folder], name, body);
    res.status(201).json({ folder, name: saved, size: body.length, url: fileUrl(folder as ServedFolder, saved), renamed: saved !== name });
  });
  return r;
}
