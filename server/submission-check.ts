import { GraphValidationError, loadGraph, preflightGraph, type GraphIssue } from '../engine';
import { ServerError } from './codes';
import type { AppContext } from './context';
import { scrubPaths } from './file-urls';
import { checkGraphPaths } from './graph-paths';
import type { FolderName } from './options';

/** The outcome of the checks a submitted graph gets before it may be queued. */
export type SubmissionCheck =
  | { ok: true }
  /** `error` is what POST /api/runs answers; `issues` (at most MAX_ISSUES) and `omitted` what POST /api/validate lists. */
  | { ok: false; error: ServerError; issues: GraphIssue[]; omitted: number };

/** E_GRAPH_INVALID with at most MAX_ISSUES issues (GraphValidationError keeps the first ones and counts the rest). */
function graphInvalid(err: GraphValidationError, folders: Record<FolderName, string>, unchecked = 0): SubmissionCheck {
  const count = err.issues.length + err.omitted;
  const listed = err.omitted ? ` (the first ${err.issues.length} listed)` : '';
  const more = unchecked ? ` The file checks stopped there: ${unchecked} node(s) were not checked.` : '';
  // A file check's message may name the path it looked at: clients see the server's folders as <inputs>, ...
  const issues: GraphIssue[] = err.issues.map((issue) => ({
    ...issue, message: scrubPaths(issue.message, folders), ...(issue.hint ? { hint: scrubPaths(issue.hint, folders) } : {}),
  }));
  const error = new ServerError('E_GRAPH_INVALID', `The graph has ${count} problem(s)${listed}; nothing was queued.${more}`, { issues });
  return { ok: false, error, issues, omitted: err.omitted };
}

/**
 * Everything checked before a run is queued, in the main thread, the same for POST /api/runs and POST
 * /api/validate: the structure (`loadGraph` with the server's registry and libraries), literal file inputs inside
 * the server's folders (`checkGraphPaths`), then the nodes' file checks (model folder, residuals, layout images,
 * phrases), confined to the server's folders as the worker's run is. Never queues anything.
 */
export async function checkSubmission(
  ctx: Pick<AppContext, 'registry' | 'bases' | 'opts'>, graph: unknown, outputs: string[] | undefined,
): Promise<SubmissionCheck> {
  let validated;
  try {
    validated = loadGraph(graph, ctx.registry, outputs, [], { libraries: ctx.opts.libraries }).validated;
  } catch (err) {
    if (!(err instanceof GraphValidationError)) throw err;
    return graphInvalid(err, ctx.opts.folders);
  }
  try {
    checkGraphPaths(validated, ctx.bases);
  } catch (err) {
    if (!(err instanceof ServerError)) throw err;
    const bounded = new GraphValidationError((err.issues ?? []) as GraphIssue[]);
    return { ok: false, error: err, issues: bounded.issues, omitted: bounded.omitted };
  }
  const access = { searchPaths: ctx.bases.map((s) => s.base), confine: ctx.bases.map((s) => s.root) };
  const { issues, unchecked } = await preflightGraph(validated, access);
  if (issues.length) return graphInvalid(new GraphValidationError(issues), ctx.opts.folders, unchecked.length);
  return { ok: true };
}
