import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { GraphValidationError, formatIssue, loadGraph } from '../../engine';
import { parseArgs, UsageError } from '../args';
import { EXIT } from '../exit-codes';
import { importCones2, ImportError } from '../importers/cones2';
import { buildNodeRegistry } from '../../nodes/registry';

export const IMPORT_USAGE = 'cones import-cones2 CONFIG.json [--model DIR] [--out GRAPH.json] [--base DIR]';

/** Converts a reference Cones 2 config (and its layout PNG) into a graph file, then validates it. */
export async function importCones2Command(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { options: ['model', 'out', 'base'], flags: [] });
  if (args.positionals.length !== 1) throw new UsageError(`Expected one config file. Usage: ${IMPORT_USAGE}`);
  const configPath = resolve(args.positionals[0]);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (err) {
    process.stderr.write(`E_IMPORT_CONES2: cannot read ${configPath}: ${(err as Error).message}\n`);
    return EXIT.INVALID;
  }
  const graphPath = resolve(args.options.get('out')?.at(-1) ?? `${basename(configPath, '.json')}.graph.json`);
  const modelFolder = args.options.get('model')?.at(-1) ?? 'models/stable-diffusion-2-1';
  try {
    const { graph, warnings } = importCones2(raw, { configPath, graphPath, modelFolder, baseDir: args.options.get('base')?.at(-1) });
    loadGraph(graph, await buildNodeRegistry());
    await writeFile(graphPath, `${JSON.stringify(graph, null, 2)}\n`);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    process.stderr.write(`Wrote ${graphPath}. Its model folder is "${modelFolder}": ` +
      'the reference residuals need the model they were trained for (SD 2.1, width 1024).\n');
    return EXIT.OK;
  } catch (err) {
    if (err instanceof ImportError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      return EXIT.INVALID;
    }
    if (err instanceof GraphValidationError) {
      for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      return EXIT.INVALID;
    }
    throw err;
  }
}
