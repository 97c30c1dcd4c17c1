import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { body, stringList } from '../http/body';
import { checkSubmission } from '../submission-check';

/** POST /api/runs, GET /api/queue, DELETE /api/queue/:runId, POST /api/interrupt (history: routes/history.ts). */
export function runRoutes(ctx: AppContext): Router {
  const r = Router();

  r.post('/runs', async (req, res) => {
    const b = body(req);
    if (b.graph === undefined) throw new ServerError('E_BAD_REQUEST', 'Expected `graph` (a cones-graph file as JSON) in the body.');
    const outputs = stringList(b.outputs, 'outputs');
    if (b.clientId !== undefined && (typeof b.clientId !== 'string' || b.clientId.length > 200)) {
      throw new ServerError('E_BAD_REQUEST', 'Expected `clientId` to be a string (the websocket clientId).');
    }
    // Validate here, in the main thread (structure, paths, the nodes' file checks): an invalid graph is never queued.
    const check = await checkSubmission(ctx, b.graph, outputs);
    if (!check.ok) throw check.error;
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

  return r;
}
