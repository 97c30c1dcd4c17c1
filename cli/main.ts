import { disableOrtTelemetry } from '../diffusion/onnx/telemetry';
import { PluginLoadError } from '../engine';
import { UsageError } from './args';
import { IMPORT_USAGE, importCones2Command } from './commands/import-cones2';
import { nodesCommand } from './commands/nodes';
import { RUN_USAGE, runCommand } from './commands/run';
import { VALIDATE_USAGE, validateCommand } from './commands/validate';
import { WORKER_USAGE, workerCommand } from './commands/worker';
import { EXIT } from './exit-codes';

const HELP = `cones: run and check cones-graph files

Usage:
  ${RUN_USAGE}
  ${VALIDATE_USAGE}
  cones nodes [TYPE ...] [--json] [--plugin MODULE ...] [--lib DIR ...]
  ${IMPORT_USAGE}
  ${WORKER_USAGE}

Exit codes: 0 ok, 2 invalid graph or usage, 3 a node failed, 130 interrupted.
`;

/**
 * Measured on onnxruntime-node 1.30 here: creating a session crashes the process (SIGSEGV) once its command line
 * passes about 25 KB (20 KB fine, 30 KB crashes; a 64 MB stack ulimit avoids it). Longer command lines are refused
 * up front for `run`, the command that opens models: values that long belong in the graph file.
 */
export const MAX_ARGV_BYTES = 16 * 1024;

/** Entry point; returns the exit code. Never lets a stack trace reach the user for expected failures. */
export async function main(argv: readonly string[]): Promise<number> {
  // Before any engine thread starts (`cones worker`): onnxruntime sends nothing unless CONES_ORT_TELEMETRY=1.
  disableOrtTelemetry();
  const controller = new AbortController();
  const [command, ...rest] = argv;
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED);
    process.stderr.write(command === 'worker'
      ? 'Stopping after the current run (press Ctrl-C again to quit at once)...\n'
      : 'Interrupting (press Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const argvBytes = argv.reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
    if (command === 'run' && argvBytes > MAX_ARGV_BYTES) {
      throw new UsageError(`Expected a command line of at most ${MAX_ARGV_BYTES} bytes but received ${argvBytes} ` +
        `(${argv.length} arguments). Put long values and many --set overrides into the graph file instead.`);
    }
    switch (command) {
      case 'run':
        return await runCommand(rest, controller.signal);
      case 'validate':
        return await validateCommand(rest);
      case 'nodes':
        return await nodesCommand(rest);
      case 'worker':
        return await workerCommand(rest, controller.signal);
      case 'import-cones2':
        return await importCones2Command(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return command === undefined ? EXIT.INVALID : EXIT.OK;
      default:
        throw new UsageError(`Unknown command "${command}".\n${HELP}`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof PluginLoadError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      return EXIT.INVALID;
    }
    const e = err as { code?: string; message?: string };
    process.stderr.write(`${e.code ?? 'E_INTERNAL'}: ${e.message ?? String(err)}\n` +
      '(This is a bug in cones-graph if the code is E_INTERNAL; please report it with the graph file.)\n');
    return EXIT.RUNTIME;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
