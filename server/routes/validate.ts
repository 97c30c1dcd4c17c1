import { Router } from 'express';
import { ServerError } from '../codes';
import type { AppContext } from '../context';
import { body, stringList } from '../http/body';
import { checkSubmission } from '../submission-check';

/**
 * POST /api/validate `{ graph, outputs? }`: the checks POST /api/runs does before queueing (server/submission-check.ts),
 * without queueing. A graph that fails them is not a failed request: 200 `{ ok: false, issues, omitted? }`, with
 * at most MAX_ISSUES issues (`omitted` counts the rest); a malformed request is still a 4xx error.
 */
export function validateRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post('/validate', async (req, res) => {
    const b = body(req);
    if (b.graph === undefined) throw new ServerError('E_BAD_REQUEST', 'Expected `graph` (a cones-graph file as JSON) in the body.');
    const outputs = stringList(b.outputs, 'outputs');
    const check = await checkSubmission(ctx, b.graph, outputs);
    if (check.ok) return void res.json({ ok: true, issues: [] });
    res.json({ ok: false, issues: check.issues, ...(check.omitted ? { omitted: check.omitted } : {}) });
  });
  return r;
}
