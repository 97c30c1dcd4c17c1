import { dirname, resolve } from 'node:path';
import { Engine, formatIssue, GraphValidationError, InterruptedError, NodeRunError, type RunEvent } from '../../engine';
import { parseArgs, parseSet, UsageError } from '../args';
import { EXIT } from '../exit-codes';
import { progressPrinter } from '../progress';
import { buildNodeRegistry } from '../../nodes/registry';
import { remoteConfig } from '../remote/config';
import { eventForJson, reportInvalid } from './run-output';
import { INSTALL_ROOT, libraryFolders, readGraphText, writeJsonLine } from './shared';

export const RUN_USAGE = 'cones run GRAPH.json [--set node.input=value ...] [--out DIR] [--output NODE ...] [--json] [--no-cache] ' +
  '[--plugin MODULE ...] [--lib DIR ...] [--confine DIR ...] [--no-files] [--server URL [--token T]]';

export async function runCommand(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const args = parseArgs(argv, {
    options: ['set', 'out', 'output', 'plugin', 'confine', 'lib', 'server', 'token'], flags: ['json', 'no-cache', 'no-files'],
  });
  if (args.positionals.length !== 1) throw new UsageError(`Expected one graph file. Usage: ${RUN_USAGE}`);
  // --server URL (or CONES_SERVER): the run happens on that server or farm (cli/remote/).
  const remote = remoteConfig(args.options);
  // Loaded on demand: a local command does not load the client (ws, http).
  if (remote) return (await import('../remote/run')).remoteRunCommand(args, remote, signal);
  const json = args.flags.has('json');
  const emit = json ? (e: RunEvent) => writeJsonLine(eventForJson(e)) : progressPrinter();
  const path = resolve(args.positionals[0]);
  const registry = await buildNodeRegistry(args.options.get('plugin'));

  const overrides = (args.options.get('set') ?? []).map(parseSet);
  let text: string;
  try {
    text = await readGraphText(path);
  } catch (err) {
    if (err instanceof GraphValidationError) {
      reportInvalid(err.issues, json);
      return EXIT.INVALID;
    }
    throw err;
  }

  const engine = new Engine(registry);
  try {
    await engine.run(text, {
      outputs: args.options.get('output'),
      overrides,
      signal,
      onEvent: emit,
      outputDir: resolve(args.options.get('out')?.at(-1) ?? 'out'),
      searchPaths: [dirname(path), process.cwd(), INSTALL_ROOT],
      confine: args.options.get('confine')?.map((dir) => resolve(dir)),
      libraries: libraryFolders(args.options.get('lib')),
      cache: !args.flags.has('no-cache'),
      // File checks before any node runs: a missing model or residual fails (exit 2) before sessions load.
      checkFiles: !args.flags.has('no-files'),
      runInfo: { graphPath: path },
    });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof GraphValidationError) {
      if (!json) for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      return EXIT.INVALID;
    }
    if (err instanceof InterruptedError) return EXIT.INTERRUPTED;
    if (err instanceof NodeRunError) return EXIT.RUNTIME;
    throw err;
  }
}
