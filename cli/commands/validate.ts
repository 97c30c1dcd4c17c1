import { resolve } from 'node:path';
import { formatIssue, GraphValidationError, loadGraph } from '../../engine';
import { parseArgs, UsageError } from '../args';
import { EXIT } from '../exit-codes';
import { buildNodeRegistry } from '../../nodes/registry';
import { readGraphText, writeJsonLine } from './shared';

export async function validateCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { options: ['plugin', 'output'], flags: ['json'] });
  if (args.positionals.length < 1) throw new UsageError('Expected graph file(s). Usage: cones validate GRAPH.json [...] [--json]');
  const registry = await buildNodeRegistry(args.options.get('plugin'));
  let failed = false;
  for (const p of args.positionals) {
    const path = resolve(p);
    try {
      const loaded = loadGraph(await readGraphText(path), registry, args.options.get('output'));
      const note = loaded.migratedFrom !== undefined ? ` (migrated from format version ${loaded.migratedFrom})` : '';
      if (args.flags.has('json')) writeJsonLine({ file: p, ok: true, issues: [], migratedFrom: loaded.migratedFrom ?? null });
      else process.stdout.write(`${p}: ok, ${loaded.validated.order.length} node(s)${note}\n`);
    } catch (err) {
      if (!(err instanceof GraphValidationError)) throw err;
      failed = true;
      if (args.flags.has('json')) writeJsonLine({ file: p, ok: false, issues: err.issues, omitted: err.omitted });
      else for (const issue of err.issues) process.stdout.write(`${p}: ${formatIssue(issue)}\n`);
    }
  }
  return failed ? EXIT.INVALID : EXIT.OK;
}
