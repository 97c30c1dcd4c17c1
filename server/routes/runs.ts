import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { GraphValidationError, loadGraph, preflightGraph, type GraphIssue } from '../../engine';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { checkGraphPaths } from '../graph-paths';

const DEFAULT_HISTORY_PAGE = 100;

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  // A body sent chunked has no Content-Length: it counts as a body too.
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (b === undefined && !req.is('application/json') && hasBody) {
    throw new ServerError('E_UNSUPPORTED_MEDIA_TYPE', 'Expected Content-Type application/json ' +
      `but received ${req.headers['content-type'] ?? 'none'}.`);
  }
  if (b === undefined) return {};
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw new ServerError('E_BAD_REQUEST', 'Expected a JSON object as the request body.');
  }
  return b as Record<string, unknown>;
}

function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) {
    throw new ServerError('E_BAD_REQUEST', `Expected \`${name}\` to be an array of node ids.`);
  }
  return value as string[];
}

/** E_GRAPH_INVALID with at most MAX_ISSUES issues (GraphValidationError keeps the first ones and counts the rest). */
function graphInvalid(err: GraphValidationError, unchecked = 0): ServerError {
  const count = err.issues.length + err.omitted;
  const listed = err.omitted ? ` (the first ${err.issues.length} listed)` : '';
  const more = unchecked ? ` The file checks stopped there: ${unchecked} node(s) were not checked.` : '';
  const issues: GraphIssue[] = err.issues;
  return new ServerError('E_GRAPH_INVALID', `The graph has ${count} problem(s)${listed}; nothing was queued.${more}`, { issues });
}

/** POST /api/runs, GET /api/queue, DELETE /api/queue/:runId, POST /api/interrupt, GET /api/history[/:runId]. */
export function runRoutes(ctx: AppContext): Router {
  const r = Router();

  r.post('/runs', async (req, res) => {
    const b = body(req);
    if (b.graph === undefined) throw new ServerError('E_BAD_REQUEST', 'Expected `graph` (a cones-graph file as JSON) in the body.');
    const outputs = stringList(b.outputs, 'outputs');
    if (b.clientId !== undefined && (typeof b.clientId !== 'string' || b.clientId.length > 200)) {
      throw new ServerError('E_BAD_REQUEST', 'Expected `clientId` to be a string (the websocket clientId).');
    }
    // Validate here, in the main thread: an invalid graph is never queued.
    let validated;
    try {
      validated = loadGraph(b.graph, ctx.registry, outputs, [], { libraries: ctx.opts.libraries }).validated;
    } catch (err) {
      if (!(err instanceof GraphValidationError)) throw err;
      throw graphInvalid(err);
    }
    checkGraphPaths(validated, ctx.bases);
    // The nodes' file checks (model folder, residuals, layout images, phrases), confined to the server's folders as
    // the worker's run is: a graph that would fail on its files is refused here, its issues pinned to the nodes.
    const access = { searchPaths: ctx.bases.map((s) => s.base), confine: ctx.bases.map((s) => s.root) };
    const { issues, unchecked } = await preflightGraph(validated, access);
    if (issues.length) throw graphInvalid(new GraphValidationError(issues), unchecked.length);
    const runId = randomUUID();
    const position = await ctx.runner.submit({
      runId, graph: b.graph, outputs, clientId: b.clientId as string | undefined, submittedAt: new Date().toISOString(),
    });
    res.status(201).json({ runId, position });
  });

  r.get('/queue', (_req, res) => {
    const brief = (run: { runId: string; clientId?: string; submittedAt: string; startedAt?: string }) => ({
      runId: run.runId, clientId: run.clientId ?? null, submittedAt: run.submittedAt, startedAt: run.startedAt,
    });
    const view = ctx.runner.queueView();
    res.json({
      running: view.running ? brief(view.running) : null,
      pending: view.pending.map(brief),
      // Only with a farm (several runs execute at once): every executing run, the oldest first.
      ...(view.executing ? { executing: view.executing.map(brief) } : {}),
    });
  });

  r.delete('/queue/:runId', async (req, res) => {
    const { runId } = req.params;
    if (await ctx.runner.remove(runId)) return void res.json({ removed: runId });
    if (ctx.runner.isRunning(runId)) {
      throw new ServerError('E_RUN_NOT_PENDING', `Run ${runId} is already running.`, {
        hint: 'POST /api/interrupt {"runId": ...} stops it.',
      });
    }
    if (ctx.history.get(runId)) throw new ServerError('E_RUN_NOT_PENDING', `Run ${runId} has already finished.`);
    throw new ServerError('E_RUN_NOT_FOUND', `No run ${runId} in the queue.`);
  });

  r.post('/interrupt', (req, res) => {
    const b = body(req);
    if (b.runId !== undefined && typeof b.runId !== 'string') throw new ServerError('E_BAD_REQUEST', 'Expected `runId` to be a string.');
    const runId = (b.runId as string | undefined) ?? ctx.runner.queueView().running?.runId;
    if (runId === undefined) return void res.json({ interrupted: null });
    if (!ctx.runner.isRunning(runId)) {
      if (ctx.queue.has(runId)) {
        throw new ServerError('E_RUN_NOT_RUNNING', `Run ${runId} is waiting in the queue, not running.`, {
          hint: `DELETE /api/queue/${runId} removes it.`,
        });
      }
      if (ctx.history.get(runId)) throw new ServerError('E_RUN_NOT_RUNNING', `Run ${runId} has already finished.`);
      throw new ServerError('E_RUN_NOT_FOUND', `No run ${runId}.`);
    }
    ctx.runner.interrupt(runId);
    res.json({ interrupted: runId });
  });

  r.get('/history', (req, res) => {
    const raw = req.query.limit;
    const limit = raw === undefined ? DEFAULT_HISTORY_PAGE : Number(raw);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ServerError('E_BAD_REQUEST', `Expected ?limit= to be a positive integer but received ${String(raw)}.`);
    }
    res.json({ runs: ctx.history.list(limit).map(({ graph: _graph, ...rest }) => rest) });
  });

  r.get('/history/:runId', (req, res) => {
    const entry = ctx.history.get(req.params.runId);
    if (entry) return void res.json(entry);
    if (ctx.queue.has(req.params.runId)) {
      const notYet = new ServerError('E_RUN_NOT_FOUND', `Run ${req.params.runId} has not finished yet.`, {
        hint: 'Watch the websocket, or GET /api/queue.',
      });
      return void res.status(404).json(notYet.toBody());
    }
    throw new ServerError('E_RUN_NOT_FOUND', `No run ${req.params.runId} in history.`);
  });
  return r;
}
