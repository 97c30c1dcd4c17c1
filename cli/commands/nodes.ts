import { describeNode } from '../../engine';
import { parseArgs } from '../args';
import { EXIT } from '../exit-codes';
import { buildNodeRegistry } from '../../nodes/registry';
import { describeTypes, summarizeTypes } from './node-summary';

/**
 * Lists the node types readably (all, grouped by category; or the inputs and outputs of the named ones). With
 * `--json`, prints their full descriptions: the same ones the editor builds its nodes from.
 */
export async function nodesCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { options: ['plugin'], flags: ['json'] });
  const registry = await buildNodeRegistry(args.options.get('plugin'));
  const types = args.positionals.length ? args.positionals : registry.types();
  const out = [];
  for (const t of types) {
    const def = registry.get(t);
    if (!def) {
      process.stderr.write(`E_UNKNOWN_NODE_TYPE: Unknown node type "${t}". Run \`cones nodes\` for the list.\n`);
      return EXIT.INVALID;
    }
    out.push(describeNode(def));
  }
  if (args.flags.has('json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else process.stdout.write(args.positionals.length ? describeTypes(out) : summarizeTypes(out));
  return EXIT.OK;
}
