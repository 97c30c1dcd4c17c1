import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { formatIssue, GraphValidationError, loadGraph, type RunEvent } from '../../engine';
import { buildNodeRegistry } from '../../nodes/registry';
import { parseSet, type ParsedArgs } from '../args';
import { eventForJson, reportInvalid } from '../commands/run-output';
import { libraryFolders, readGraphText, writeJsonLine } from '../commands/shared';
import { EXIT } from '../exit-codes';
import { progressPrinter } from '../progress';
import { submittedRun } from './answers';
import { displayServer, refuseLocalOptions, type RemoteConfig } from './config';
import { Downloads, outputUrls } from './download';
import { followRun, pollHistory } from './follow';
import { requestJson } from './http';
import { interruptRun } from './interrupt';
import { printable, printableDeep } from './printable';
import { isRefusal, reportFailure } from './report';
import { graphToSubmit } from './submission';

/** After Ctrl-C, how long to wait for the server to confirm the interruption before exiting anyway. */
const INTERRUPT_WAIT_MS = 15_000;

/**
 * `cones run --server URL GRAPH`: checks the graph here as a local run does (structure, `--set`; not files: the
 * server's own checks decide), submits it, prints the run's events as a local run prints them, fetches its output
 * files into --out and exits with the local run's codes (0, 2, 3, 130).
 */
export async function remoteRunCommand(args: ParsedArgs, cfg: RemoteConfig, signal: AbortSignal): Promise<number> {
  refuseLocalOptions(args.options, args.flags, ['confine', 'no-files', 'no-cache'],
    'the server checks files in its own folders and keeps its own cache.');
  const json = args.flags.has('json');
  const printer = json ? undefined : progressPrinter();
  const emit = (event: RunEvent): void => (printer ? printer(printableDeep(event)) : writeJsonLine(eventForJson(event)));
  const path = resolve(args.positionals[0]);
  const registry = await buildNodeRegistry(args.options.get('plugin'));
  const overrides = (args.options.get('set') ?? []).map(parseSet);
  let submission;
  try {
    const loaded = loadGraph(await readGraphText(path), registry, args.options.get('output'), overrides, {
      libraries: libraryFolders(args.options.get('lib')),
    });
    submission = graphToSubmit(loaded, overrides, args.options.get('output'));
  } catch (err) {
    if (!(err instanceof GraphValidationError)) throw err;
    reportInvalid(err.issues, json, { omitted: err.omitted });
    return EXIT.INVALID;
  }
  if (signal.aborted) return EXIT.INTERRUPTED;

  const clientId = randomUUID();
  let runId: string;
  try {
    const { body } = await requestJson(cfg, 'POST', 'api/runs', { ...submission, clientId });
    const run = submittedRun(body);
    runId = run.runId;
    if (!json) process.stderr.write(`Queued on ${displayServer(cfg)} as run ${runId} (${run.position} run(s) ahead).\n`);
  } catch (err) {
    reportFailure(err, json);
    return EXIT.INVALID;
  }

  const downloads = new Downloads(cfg, resolve(args.options.get('out')?.at(-1) ?? 'out'));
  let interrupting: Promise<void> | undefined;
  const onAbort = (): void => {
    interrupting = interruptRun(cfg, runId).then((problem) => {
      if (problem) process.stderr.write(`${printable(problem)}\n`);
    });
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const stop = new AbortController();
  const following = followRun({
    cfg, runId, clientId, stop: stop.signal,
    onEvent: async (event) => {
      if (signal.aborted) return emit(event);
      if (event.type === 'node_done' || event.type === 'node_cached') {
        const ui = await downloads.localize(event.ui);
        const outputs = event.type === 'node_done' ? await downloads.localize(event.outputs) : undefined;
        return emit({ ...event, ...(ui ? { ui } : {}), ...(outputs ? { outputs } : {}) } as RunEvent);
      }
      emit(event);
    },
  });
  try {
    const terminal = await Promise.race([following, interrupted(signal)]);
    if (signal.aborted) return await afterInterrupt(following, interrupting, emit);
    return await finish(terminal!, cfg, runId, downloads, json, emit);
  } catch (err) {
    if (signal.aborted) return EXIT.INTERRUPTED;
    reportFailure(err, json, runId);
    return EXIT.RUNTIME;
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
    following.catch(() => undefined);
  }
}

/** Resolves undefined when the signal fires (never rejects). */
function interrupted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}

/** Ctrl-C: the interrupt request is sent; the run's `interrupted` event is printed if it comes in time. Exit 130. */
async function afterInterrupt(following: Promise<RunEvent>, interrupting: Promise<void> | undefined, emit: (e: RunEvent) => void): Promise<number> {
  await interrupting;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), INTERRUPT_WAIT_MS);
  });
  const terminal = await Promise.race([following.catch(() => undefined), late]);
  clearTimeout(timer);
  if (terminal) emit(terminal);
  return EXIT.INTERRUPTED;
}

/** The end of a run: its files (all of history's, the ones events named included) fetched, then its last event. */
async function finish(terminal: RunEvent, cfg: RemoteConfig, runId: string, downloads: Downloads, json: boolean, emit: (e: RunEvent) => void): Promise<number> {
  if (terminal.type === 'run_done') {
    const { entry } = await pollHistory(cfg, runId);
    for (const url of outputUrls(entry.files)) await downloads.fetch(url);
    emit(terminal);
    return EXIT.OK;
  }
  emit(terminal);
  if (terminal.type === 'interrupted') return EXIT.INTERRUPTED;
  if (isRefusal(terminal) && terminal.type === 'run_error') {
    if (!json) for (const issue of printableDeep(terminal.issues!)) process.stderr.write(`${formatIssue(issue)}\n`);
    return EXIT.INVALID;
  }
  return EXIT.RUNTIME;
}
