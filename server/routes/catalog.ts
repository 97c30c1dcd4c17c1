import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import {
  describeNode, describeSubgraph, listLibraryFiles, readFileBounded, MAX_LIBRARY_LISTING, MAX_SUBGRAPH_FILE_BYTES,
} from '../../engine';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { statKey, StatKeyedCache } from './stat-keyed-cache';

const GRAPH_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface GraphListing { name: string; title: string; description: string; unreadable?: true }

/** GET /api/nodes, /api/graphs, /api/graphs/:name, /api/health. */
export function catalogRoutes(ctx: AppContext): Router {
  const r = Router();
  const registered = ctx.registry.list().map(describeNode);
  // Registered types, then the library subgraphs (lib/NAME) with their typed ports; a broken library file is left out
  // (a graph using it gets the file's issues when it is queued). POST /api/lib/:name adds to the library, so the
  // folders are listed and their files stat'ed per request; the files are read and described again only when one of
  // them changed (all of them: a subgraph's description depends on the library subgraphs it uses).
  let library: { signature: string; nodes: unknown[] } = { signature: '', nodes: [] };
  r.get('/nodes', (_req, res) => {
    const files = listLibraryFiles(ctx.opts.libraries);
    // One signature over all the files (a subgraph's description depends on the library subgraphs it uses).
    const signature = files.map((f) => `${f.path}|${statKey(f.path) ?? ''}`).join('\n');
    if (signature !== library.signature) {
      library = { signature, nodes: files.flatMap((f) => describeSubgraph(f.type, ctx.registry, ctx.opts.libraries).description ?? []) };
    }
    res.json({ nodes: [...registered, ...library.nodes] });
  });

  // The example graphs: at most MAX_LIBRARY_LISTING, each read with the graph-file bound, re-read only when changed.
  const listed = new StatKeyedCache<GraphListing>();
  r.get('/graphs', (_req, res) => {
    let names: string[] = [];
    try {
      names = readdirSync(ctx.opts.folders.graphs).filter((n) => n.endsWith('.json') && GRAPH_NAME.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const graphs = names.slice(0, MAX_LIBRARY_LISTING).map((file) => {
      const path = join(ctx.opts.folders.graphs, file);
      return listed.get(path, () => listing(file.slice(0, -'.json'.length), path));
    });
    listed.keepOnly(new Set(names.map((n) => join(ctx.opts.folders.graphs, n))));
    res.json({ graphs, ...(names.length > graphs.length ? { truncated: names.length } : {}) });
  });

  r.get('/graphs/:name', (req, res) => {
    const name = req.params.name.replace(/\.json$/, '');
    if (!GRAPH_NAME.test(name)) {
      throw new ServerError('E_NOT_FOUND', `No example graph "${name}": names are letters, digits, ".", "_" and "-".`);
    }
    const text = readGraph(join(ctx.opts.folders.graphs, `${name}.json`));
    if (text === null) throw new ServerError('E_NOT_FOUND', `No readable example graph "${name}".`, { hint: 'GET /api/graphs lists them.' });
    res.type('application/json').send(text);
  });

  r.get('/health', (_req, res) => {
    const backend = ctx.runner.backend;
    res.json({ ok: true, worker: backend.state, ...ctx.runner.status(), ...backend.health?.(), uptimeMs: Date.now() - ctx.startedAt });
  });
  return r;
}

/** A graph file's text, or null when it is missing, not a regular file (a FIFO), or over the graph-file bound. */
function readGraph(path: string): string | null {
  try {
    const read = readFileBounded(path, MAX_SUBGRAPH_FILE_BYTES);
    return 'bytes' in read ? read.bytes.toString('utf8') : null;
  } catch {
    return null;
  }
}

function listing(name: string, path: string): GraphListing {
  const text = readGraph(path);
  try {
    if (text === null) throw new Error('unreadable');
    const meta = (JSON.parse(text) as { meta?: { title?: unknown; description?: unknown } }).meta ?? {};
    return {
      name,
      title: typeof meta.title === 'string' ? meta.title : name,
      description: typeof meta.description === 'string' ? meta.description : '',
    };
  } catch {
    return { name, title: name, description: '', unreadable: true };
  }
}
