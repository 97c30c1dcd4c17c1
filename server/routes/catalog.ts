import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from 'express';
import { describeNode, describeSubgraph, listLibrary } from '../../engine';
import { ServerError } from '../codes';
import type { AppContext } from '../context';

const GRAPH_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** GET /api/nodes, /api/graphs, /api/graphs/:name, /api/health. */
export function catalogRoutes(ctx: AppContext): Router {
  const r = Router();
  // Registered types, then the library subgraphs (lib/NAME) with their typed ports; a broken library file is left out
  // (a graph using it gets the file's issues when it is queued). The library is read per request: POST /api/lib/:name
  // adds to it.
  const registered = ctx.registry.list().map(describeNode);

  r.get('/nodes', (_req, res) => {
    const library = listLibrary(ctx.opts.libraries).flatMap((type) => describeSubgraph(type, ctx.registry, ctx.opts.libraries).description ?? []);
    res.json({ nodes: [...registered, ...library] });
  });

  r.get('/graphs', async (_req, res) => {
    let names: string[] = [];
    try {
      names = (await readdir(ctx.opts.folders.graphs)).filter((n) => n.endsWith('.json') && GRAPH_NAME.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const graphs = [];
    for (const file of names) {
      const name = file.slice(0, -'.json'.length);
      try {
        const text = await readFile(join(ctx.opts.folders.graphs, file), 'utf8');
        const meta = (JSON.parse(text) as { meta?: { title?: unknown; description?: unknown } }).meta ?? {};
        graphs.push({
          name,
          title: typeof meta.title === 'string' ? meta.title : name,
          description: typeof meta.description === 'string' ? meta.description : '',
        });
      } catch {
        graphs.push({ name, title: name, description: '', unreadable: true });
      }
    }
    res.json({ graphs });
  });

  r.get('/graphs/:name', async (req, res) => {
    const name = req.params.name.replace(/\.json$/, '');
    if (!GRAPH_NAME.test(name)) {
      throw new ServerError('E_NOT_FOUND', `No example graph "${name}": names are letters, digits, ".", "_" and "-".`);
    }
    let text: string;
    try {
      text = await readFile(join(ctx.opts.folders.graphs, `${name}.json`), 'utf8');
    } catch {
      throw new ServerError('E_NOT_FOUND', `No example graph "${name}".`, { hint: 'GET /api/graphs lists them.' });
    }
    res.type('application/json').send(text);
  });

  r.get('/health', (_req, res) => {
    const backend = ctx.runner.backend;
    res.json({ ok: true, worker: backend.state, ...ctx.runner.status(), ...backend.health?.(), uptimeMs: Date.now() - ctx.startedAt });
  });
  return r;
}
