import { Router, type Request } from 'express';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { checkRunId, isRunId, removeRunOutputs } from '../run-outputs';

const DEFAULT_HISTORY_PAGE = 100;

/** `?files=1`: also delete the runs' output folders; absent or `0`: keep them. */
function withFiles(req: Request): boolean {
  const raw = req.query.files;
  if (raw === undefined || raw === '0') return false;
  if (raw === '1') return true;
  throw new ServerError('E_BAD_REQUEST', `Expected ?files= to be 1 or 0 but received ${JSON.stringify(raw).slice(0, 80)}.`);
}

/** Deletes history entries durably; a data folder that cannot be written is reported (the entries stay). */
async function deleteEntries(ctx: AppContext, runIds: string[]): Promise<string[]> {
  // A run that just ended is in queue.json (as finishing) until its history line is on disk; wait for both files, so
  // a crash right after the deletion cannot make a restart record the run again (as interrupted).
  await ctx.history.flush();
  await ctx.queue.flush();
  try {
    return await ctx.history.delete(runIds);
  } catch (err) {
    throw new ServerError('E_DATA_DIR_UNWRITABLE', `The history could not be rewritten (${(err as Error).message}); nothing was deleted.`, {
      hint: 'Check the server\'s data folder (free space, permissions).',
    });
  }
}

/** GET /api/history[/:runId], DELETE /api/history[/:runId][?files=1]. */
export function historyRoutes(ctx: AppContext): Router {
  const r = Router();

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

  // One finished run. Its output folder outputs/<runId>/ goes too with ?files=1.
  r.delete('/history/:runId', async (req, res) => {
    const runId = checkRunId(req.params.runId);
    const files = withFiles(req);
    if (ctx.queue.has(runId) || ctx.runner.isRunning(runId)) {
      throw new ServerError('E_RUN_NOT_FINISHED', `Run ${runId} has not finished: only finished runs leave the history.`, {
        hint: `DELETE /api/queue/${runId} removes a pending run, POST /api/interrupt stops a running one; delete it once it has ended.`,
      });
    }
    if (!ctx.history.get(runId)) throw new ServerError('E_RUN_NOT_FOUND', `No run ${runId} in history.`);
    await deleteEntries(ctx, [runId]);
    const filesRemoved = files ? await removeRunOutputs(ctx.opts.folders.outputs, runId) : false;
    res.json({ deleted: runId, filesRemoved });
  });

  // Every finished run (queued and running runs are not in the history and are left alone).
  r.delete('/history', async (req, res) => {
    const files = withFiles(req);
    const deleted = await deleteEntries(ctx, ctx.history.ids());
    let filesRemoved = 0;
    if (files) {
      // Only UUID ids name a folder; a run id still in the queue (it cannot be, but never its folder) is skipped.
      for (const runId of deleted) {
        if (isRunId(runId) && !ctx.queue.has(runId) && (await removeRunOutputs(ctx.opts.folders.outputs, runId))) filesRemoved++;
      }
    }
    res.json({ deleted: deleted.length, filesRemoved });
  });
  return r;
}
