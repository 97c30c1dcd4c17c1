import { dirname, resolve } from 'node:path';
import { Engine, formatIssue, GraphValidationError, InterruptedError, NodeRunError, parseGraphFile, type GraphFile, type RunEvent } from '../../engine';
import { parseArgs, parseSet, UsageError } from '../args';
import { EXIT } from '../exit-codes';
import { progressPrinter } from '../progress';
import { buildRegistry } from '../registry';
import { INSTALL_ROOT, readGraphText, writeJsonLine } from './shared';

export const RUN_USAGE = 'cones run GRAPH.json [--set node.input=value ...] [--out DIR] [--output NODE ...] [--json] [--no-cache] [--plugin MODULE ...]';

export async function runCommand(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const args = parseArgs(argv, { options: ['set', 'out', 'output', 'plugin'], flags: ['json', 'no-cache'] });
  if (args.positionals.length !== 1) throw new UsageError(`Expected one graph file. Usage: ${RUN_USAGE}`);
  const json = args.flags.has('json');
  const emit = json ? (e: RunEvent) => writeJsonLine(eventForJson(e)) : progressPrinter();
  const path = resolve(args.positionals[0]);
  const registry = await buildRegistry(args.options.get('plugin'));

  let text: string;
  try {
    text = await readGraphText(path);
  } catch (err) {
    if (err instanceof GraphValidationError) return reportInvalid(err.issues, json);
    throw err;
  }
  const parsed = parseGraphFile(text);
  if (!parsed.file) return reportInvalid(parsed.issues, json);
  const file: GraphFile = parsed.file;
  for (const s of args.options.get('set') ?? []) {
    const { nodeId, input, value } = parseSet(s);
    const node = Object.hasOwn(file.nodes, nodeId) ? file.nodes[nodeId] : undefined;
    if (!node) {
      return reportInvalid([{ code: 'E_SET_UNKNOWN_NODE', nodeId, input, message: `--set names node "${nodeId}", which the graph does not have.`, hint: `Its nodes are: ${Object.keys(file.nodes).join(', ')}.` }], json);
    }
    // A text input keeps the raw text even when it happens to parse as JSON ("3", "true").
    const schemaType = registry.get(node.type)?.inputs[input]?.schema?.type;
    const raw = s.slice(s.indexOf('=') + 1);
    node.inputs = { ...(node.inputs ?? {}), [input]: (schemaType === 'string' ? raw : value) as never };
  }

  const engine = new Engine(registry);
  try {
    await engine.run(file, {
      outputs: args.options.get('output'),
      signal,
      onEvent: emit,
      outputDir: resolve(args.options.get('out')?.at(-1) ?? 'out'),
      searchPaths: [dirname(path), process.cwd(), INSTALL_ROOT],
      cache: !args.flags.has('no-cache'),
      runInfo: { graph: file, graphPath: path },
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

function reportInvalid(issues: Parameters<typeof formatIssue>[0][], json: boolean): number {
  if (json) writeJsonLine({ type: 'run_error', code: issues[0]?.code ?? 'E_GRAPH_FORMAT', message: issues.map(formatIssue).join('\n'), issues });
  else for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
  return EXIT.INVALID;
}

/** Preview bytes are left out of NDJSON (they can be large); their size is kept. */
function eventForJson(e: RunEvent): unknown {
  if (e.type === 'preview') {
    const { data, ...rest } = e;
    return { ...rest, bytes: data.byteLength };
  }
  return e;
}
