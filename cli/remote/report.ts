import { formatIssue, type RunEvent } from '../../engine';
import { reportInvalid } from '../commands/run-output';
import { writeJsonLine } from '../commands/shared';
import { RemoteError, ServerAnswerError } from './errors';
import { printable, printableDeep } from './printable';

/**
 * A failure of a remote command on stderr (and, with `--json`, as a `run_error` line on stdout): the server's coded
 * answer verbatim (`CODE: message hint`, issues one per line as a local run prints them), or the client's own
 * coded error. Control characters from the server are neutralised (printable.ts). Returns true when it was a
 * graph the server refused with issues (exit 2, as an invalid graph locally).
 */
export function reportFailure(err: unknown, json: boolean, runId?: string): boolean {
  if (err instanceof ServerAnswerError) {
    const hint = err.hint ? ` ${err.hint}` : '';
    process.stderr.write(printable(`${err.code}: ${err.message}${hint}`) + '\n');
    if (err.issues?.length) {
      const issues = printableDeep(err.issues);
      if (json) reportInvalid(issues, true, { code: err.code, runId, omitted: err.omitted });
      else for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
      if (!json && err.omitted) process.stderr.write(`... and ${err.omitted} more issue(s).\n`);
      return true;
    }
    if (json) writeJsonLine({ type: 'run_error', ...(runId ? { runId } : {}), code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
    return false;
  }
  if (!(err instanceof RemoteError)) throw err;
  process.stderr.write(`${err.code}: ${err.message}\n`);
  if (json) writeJsonLine({ type: 'run_error', ...(runId ? { runId } : {}), code: err.code, message: err.message });
  return false;
}

/** A terminal `run_error` that carries issues: the graph was refused where it was to run (nothing ran). */
export function isRefusal(event: RunEvent): boolean {
  return event.type === 'run_error' && Array.isArray(event.issues) && event.issues.length > 0 && !event.nodeId;
}
