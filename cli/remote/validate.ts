import { resolve } from 'node:path';
import { formatIssue, GraphValidationError, type GraphIssue } from '../../engine';
import type { ParsedArgs } from '../args';
import { readGraphText, writeJsonLine } from '../commands/shared';
import { EXIT } from '../exit-codes';
import { validateVerdict } from './answers';
import { displayServer, refuseLocalOptions, type RemoteConfig } from './config';
import { ServerAnswerError } from './errors';
import { requestJson } from './http';
import { printableDeep } from './printable';
import { reportFailure } from './report';

/**
 * `cones validate --server URL GRAPH ...`: POST /api/validate for each file, the checks the server does before
 * queueing a run (its node types, libraries and folders), printed as the local validate prints its own.
 */
export async function remoteValidateCommand(args: ParsedArgs, cfg: RemoteConfig): Promise<number> {
  refuseLocalOptions(args.options, args.flags, ['no-files', 'confine', 'plugin', 'lib'],
    'the server checks with its own node types, libraries and folders.');
  const json = args.flags.has('json');
  const server = displayServer(cfg);
  let failed = false;
  for (const p of args.positionals) {
    let issues: GraphIssue[];
    let omitted = 0;
    try {
      // The text as read (a PNG's embedded graph included): the server parses it, so its codes say what is wrong.
      const graph = await readGraphText(resolve(p));
      const { body } = await requestJson(cfg, 'POST', 'api/validate', { graph, outputs: args.options.get('output') });
      ({ issues, omitted } = validateVerdict(body));
    } catch (err) {
      if (err instanceof GraphValidationError) {
        ({ issues, omitted } = err);
      } else {
        // The request itself failed (unreachable, refused token, ...): no verdict for this file or the next.
        if (json) writeJsonLine({ file: p, ok: false, issues: err instanceof ServerAnswerError ? err.issues ?? [] : [], server });
        reportFailure(err, false);
        return EXIT.INVALID;
      }
    }
    const ok = issues.length === 0;
    failed ||= !ok;
    if (json) {
      writeJsonLine({ file: p, ok, issues, ...(omitted ? { omitted } : {}), files: true, server });
    } else if (ok) {
      process.stdout.write(`${p}: ok, structure and files, checked by ${server}\n`);
    } else {
      for (const issue of printableDeep(issues)) process.stdout.write(`${p}: ${formatIssue(issue)}\n`);
      if (omitted) process.stdout.write(`${p}: ... and ${omitted} more issue(s)\n`);
    }
  }
  return failed ? EXIT.INVALID : EXIT.OK;
}

