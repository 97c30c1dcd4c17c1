import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from 'express';
import { describeSubgraph, parseGraphFile, type GraphFile } from '../../engine';
import { SUBGRAPH_NAME_PATTERN } from '../../engine/schema/graph-file';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { INSTALL_LIBRARY } from '../options';
import { resolveInFolder } from '../paths';

/** A library subgraph written from the editor: far below the 16 MiB a library file may have, and the 5 MB body limit. */
export const MAX_LIB_FILE_BYTES = 2 * 2 ** 20;
const NAME = new RegExp(SUBGRAPH_NAME_PATTERN);

/** The folder saves go to: the first --lib folder (the install's graphs/lib, always last, is never written). */
export function writableLibrary(ctx: AppContext): string | undefined {
  const first = ctx.opts.libraries[0];
  return first !== undefined && first !== INSTALL_LIBRARY ? first : undefined;
}

/** Writes `text` as `target` through a temp file in the same folder: never half a file, never through a symlink. */
async function writeFileAtomically(folder: string, target: string, text: string, overwrite: boolean): Promise<boolean> {
  const temp = join(folder, `.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (overwrite) {
      const existed = (await lstat(target).catch(() => undefined)) !== undefined;
      await rename(temp, target); // replaces a symbolic link itself, never its target
      return existed;
    }
    await link(temp, target); // fails with EEXIST when the name is taken, atomically
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ServerError('E_LIB_EXISTS', `The library already has ${target.split(/[\\/]/).pop()}.`, { hint: 'Add ?overwrite=1 to replace it.' });
    }
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * POST /api/lib/:name `GRAPH` (a graph file with an interface, as JSON): writes NAME.json into the server's first
 * --lib folder, so `lib/NAME` is a node type from then on. The name is checked before any path is built; the file
 * must describe as a subgraph (its interface typed by the registry); it is at most MAX_LIB_FILE_BYTES; an existing
 * file is replaced only with `?overwrite=1`. Answers 201 `{ type, name, description, overwritten }`.
 */
export function libraryRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post('/lib/:name', async (req, res) => {
    const name = req.params.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ServerError('E_LIB_NAME', `Expected a library name of letters, digits, _ and - (at most 100) but received ${JSON.stringify(String(name).slice(0, 100))}.`);
    }
    const folder = writableLibrary(ctx);
    if (!folder) {
      throw new ServerError('E_LIB_NO_FOLDER', 'This server has no library folder to save subgraphs into.', { hint: 'Start it with --lib DIR.' });
    }
    const graph = req.body as unknown;
    if (typeof graph !== 'object' || graph === null || Array.isArray(graph)) {
      throw new ServerError('E_LIB_INVALID', 'Expected a cones-graph file with an "interface" as the JSON body.');
    }
    const text = `${JSON.stringify(graph, null, 2)}\n`;
    if (Buffer.byteLength(text) > MAX_LIB_FILE_BYTES) {
      throw new ServerError('E_PAYLOAD_TOO_LARGE', `Expected a library subgraph of at most ${MAX_LIB_FILE_BYTES} bytes but received more.`);
    }
    // The graph file schema, then described as an embedded subgraph of an empty file: the interface typed by the
    // registry, before anything is written.
    const parsed = parseGraphFile(text);
    if (!parsed.file) throw new ServerError('E_LIB_INVALID', `The body is not a graph file usable as lib/${name}.`, { issues: parsed.issues.slice(0, 50) });
    const probe = { format: 'cones-graph', version: 1, nodes: {}, subgraphs: { [name]: parsed.file } } as unknown as GraphFile;
    const described = describeSubgraph(`subgraph/${name}`, ctx.registry, ctx.opts.libraries, probe);
    const blocking = described.issues.filter((i) => i.code !== 'E_NODE_VERSION');
    if (!described.description || blocking.some((i) => i.code === 'E_SUBGRAPH_INTERFACE' || i.code === 'E_GRAPH_FORMAT' || i.code === 'E_GRAPH_VERSION')) {
      throw new ServerError('E_LIB_INVALID', `The body is not usable as the library subgraph lib/${name}.`, { issues: described.issues.slice(0, 50) });
    }
    const target = resolveInFolder(folder, `${name}.json`);
    let overwritten: boolean;
    try {
      overwritten = await writeFileAtomically(folder, target, text, req.query.overwrite === '1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') {
        throw new ServerError('E_LIB_NO_FOLDER', 'The server\'s library folder is missing or not writable.', { hint: 'Create it, or start the server with another --lib DIR.' });
      }
      throw err;
    }
    const description = { ...described.description, type: `lib/${name}` };
    res.status(201).json({ type: `lib/${name}`, name, description, overwritten });
  });
  return r;
}
