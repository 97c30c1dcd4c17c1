import { formatIssue, type GraphIssue, type RunEvent } from '../../engine';
import { writeJsonLine } from './shared';

/**
 * How `cones run` reports, whether the graph runs here or on a server (cli/remote/): the same NDJSON lines and
 * the same stderr lines, so CI scripts read both alike.
 */

/** Graph issues (nothing ran): one `run_error` line with `--json`, else one line per issue on stderr. */
export function reportInvalid(issues: GraphIssue[], json: boolean, extra: { code?: string; runId?: string; omitted?: number } = {}): void {
  if (json) {
    const { code, runId, omitted } = extra;
    writeJsonLine({
      type: 'run_error', ...(runId ? { runId } : {}), code: code ?? issues[0]?.code ?? 'E_GRAPH_FORMAT',
      message: issues.map(formatIssue).join('\n'), issues, ...(omitted ? { omitted } : {}),
    });
  } else {
    for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
    if (extra.omitted) process.stderr.write(`... and ${extra.omitted} more issue(s).\n`);
  }
}

/** Preview bytes are left out of NDJSON (they can be large); their size is kept. */
export function eventForJson(event: RunEvent): unknown {
  if (event.type === 'preview') {
    const { data, ...rest } = event;
    return { ...rest, bytes: data.byteLength };
  }
  return event;
}
