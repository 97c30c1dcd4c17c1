import { dirname, resolve } from 'node:path';
import { checkGraph, formatIssue, GraphValidationError } from '../../engine';
import { parseArgs, UsageError } from '../args';
import { EXIT } from '../exit-codes';
import { buildNodeRegistry } from '../../nodes/registry';
import { remoteConfig } from '../remote/config';
import { INSTALL_ROOT, libraryFolders, readGraphText, writeJsonLine } from './shared';

export const VALIDATE_USAGE = 'cones validate GRAPH.json [...] [--json] [--no-files] [--output NODE ...] [--plugin MODULE ...] ' +
  '[--lib DIR ...] [--confine DIR ...] [--server URL [--token T]]';

/**
 * Structure (types, links, values) and, unless --no-files, the nodes' file checks (engine/preflight.ts): model
 * folders, residual files, layout images and the phrases they name, with the codes and the path lookup and
 * confinement (--confine) of `cones run`. Nothing runs and no model is loaded.
 */
export async function validateCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { options: ['plugin', 'output', 'confine', 'lib', 'server', 'token'], flags: ['json', 'no-files'] });
  if (args.positionals.length < 1) throw new UsageError(`Expected graph file(s). Usage: ${VALIDATE_USAGE}`);
  // --server URL (or CONES_SERVER): the server's checks (POST /api/validate) instead of local ones.
  const remote = remoteConfig(args.options);
  // Loaded on demand: a local command does not load the client (ws, http).
  if (remote) return (await import('../remote/validate')).remoteValidateCommand(args, remote);
  const registry = await buildNodeRegistry(args.options.get('plugin'));
  const files = !args.flags.has('no-files');
  const confine = args.options.get('confine')?.map((dir) => resolve(dir));
  const libraries = libraryFolders(args.options.get('lib'));
  let failed = false;
  for (const p of args.positionals) {
    const path = resolve(p);
    try {
      const loaded = await checkGraph(await readGraphText(path), registry, {
        outputs: args.options.get('output'), files, searchPaths: [dirname(path), process.cwd(), INSTALL_ROOT], confine, libraries,
      });
      const note = loaded.migratedFrom !== undefined ? ` (migrated from format version ${loaded.migratedFrom})` : '';
      const checked = files ? 'structure and files' : 'structure only';
      const skipped = loaded.unchecked.length ? `; not file-checked (time budget): ${loaded.unchecked.join(', ')}` : '';
      if (args.flags.has('json')) {
        writeJsonLine({ file: p, ok: true, issues: [], migratedFrom: loaded.migratedFrom ?? null, files, unchecked: loaded.unchecked });
      } else {
        process.stdout.write(`${p}: ok, ${loaded.validated.order.length} node(s), ${checked}${note}${skipped}\n`);
      }
    } catch (err) {
      if (!(err instanceof GraphValidationError)) throw err;
      failed = true;
      if (args.flags.has('json')) writeJsonLine({ file: p, ok: false, issues: err.issues, omitted: err.omitted, files });
      else for (const issue of err.issues) process.stdout.write(`${p}: ${formatIssue(issue)}\n`);
    }
  }
  return failed ? EXIT.INVALID : EXIT.OK;
}
