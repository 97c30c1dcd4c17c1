import { describeNode, describeSubgraph, formatIssue, isSubgraphType, listLibrary, type NodeTypeDescription } from '../../engine';
import { parseArgs } from '../args';
import { EXIT } from '../exit-codes';
import { buildNodeRegistry } from '../../nodes/registry';
import { describeTypes, summarizeTypes } from './node-summary';
import { libraryFolders } from './shared';

/**
 * Lists the node types readably (all, grouped by category; or the inputs and outputs of the named ones). With
 * `--json`, prints their full descriptions: the same ones the editor builds its nodes from. Library subgraphs
 * (`lib/NAME`, from graphs/lib/ and each --lib DIR) are listed after the registered types, described from their
 * interfaces; a broken one is reported on stderr and left out of the full listing.
 */
export async function nodesCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { options: ['plugin', 'lib'], flags: ['json'] });
  const registry = await buildNodeRegistry(args.options.get('plugin'));
  const libraries = libraryFolders(args.options.get('lib'));
  const named = args.positionals.length > 0;
  const types = named ? args.positionals : [...registry.types(), ...listLibrary(libraries)];
  const out: NodeTypeDescription[] = [];
  for (const t of types) {
    if (isSubgraphType(t)) {
      const { description, issues } = describeSubgraph(t, registry, libraries);
      for (const issue of issues) process.stderr.write(`${t}: ${formatIssue(issue)}\n`);
      if (description) out.push(description);
      else if (named) return EXIT.INVALID;
      continue;
    }
    const def = registry.get(t);
    if (!def) {
      process.stderr.write(`E_UNKNOWN_NODE_TYPE: Unknown node type "${t}". Run \`cones nodes\` for the list.\n`);
      return EXIT.INVALID;
    }
    out.push(describeNode(def));
  }
  if (args.flags.has('json')) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else process.stdout.write(named ? describeTypes(out) : summarizeTypes(out));
  return EXIT.OK;
}
