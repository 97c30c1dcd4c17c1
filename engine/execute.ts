import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { nodeKey, NodeCache } from './cache';
import type { RunContext, RunResult, UiOutput } from './define';
import { GraphValidationError, InterruptedError, isInterrupt, NodeRunError } from './errors';
import { summarize, type RunEvent } from './events';
import { fingerprintPath } from './hash';
import { lookupPath, resolveFileInput, type FileAccess } from './file-inputs';
import { loadGraph } from './load';
import { preflightGraph } from './preflight';
import type { InputOverride } from './overrides';
import type { NodeRegistry } from './registry';
import { ancestorsOf } from './toposort';
import { checkLinkedValues, type ValidatedGraph } from './validate';

export interface RunOptions {
  /** Output node ids to run; default: the file's `outputs`, else every output node. */
  outputs?: string[];
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  outputDir?: string;
  /** Where relative paths in inputs are looked up, in order (first existing wins). */
  searchPaths?: string[];
  /** When set, every file input must resolve (through symlinks) inside one of these folders (engine/file-inputs.ts). */
  confine?: readonly string[];
  /** false: ignore and do not fill the cache for this run. */
  cache?: boolean;
  runId?: string;
  /** Inputs set from outside the file, applied after migration and before validation (the CLI's --set). */
  overrides?: readonly InputOverride[];
  /**
   * true: run the nodes' file checks (engine/preflight.ts) after validation and before any node runs, so a missing
   * or mismatched file fails with GraphValidationError before a model loads. Default false.
   */
  checkFiles?: boolean;
  /** Library folders searched for `lib/NAME` subgraph node types, first folder first (engine/subgraph/). */
  libraries?: readonly string[];
  /** Facts nodes may record (e.g. in PNG provenance). `graph` defaults to the graph as loaded: migrated, overridden. */
  runInfo?: Record<string, unknown>;
}

export interface RunSummary {
  runId: string;
  executed: string[];
  cached: string[];
  /** Outputs of every node that ran or was cached in this run. */
  outputs: Record<string, Record<string, unknown>>;
  ui: Record<string, UiOutput>;
  ms: number;
}

/** Runs graphs against a registry, keeping a cache of node outputs between runs. Knows nothing about what nodes do. */
export class Engine {
  readonly cache: NodeCache;
  constructor(readonly registry: NodeRegistry, opts: { cache?: NodeCache } = {}) {
    this.cache = opts.cache ?? new NodeCache();
  }

  /** Validates and runs. Throws GraphValidationError, NodeRunError or InterruptedError; events are emitted either way. */
  async run(source: string | unknown, opts: RunOptions = {}): Promise<RunSummary> {
    const runId = opts.runId ?? randomUUID();
    const emit = (event: RunEvent): void => opts.onEvent?.(event);
    let loaded: ReturnType<typeof loadGraph>;
    try {
      loaded = loadGraph(source, this.registry, opts.outputs, opts.overrides, { libraries: opts.libraries });
      if (opts.checkFiles) {
        const { issues } = await preflightGraph(loaded.validated, { searchPaths: opts.searchPaths, confine: opts.confine });
        if (issues.length) throw new GraphValidationError(issues);
      }
    } catch (err) {
      if (err instanceof GraphValidationError) {
        emit({ type: 'run_error', runId, code: err.code, message: err.message, issues: err.issues, omitted: err.omitted });
      }
      throw err;
    }
    const runInfo = { graph: loaded.file, ...opts.runInfo };
    return this.execute(loaded.validated, runId, { ...opts, runInfo }, emit);
  }

  private async execute(graph: ValidatedGraph, runId: string, opts: RunOptions, emit: (event: RunEvent) => void): Promise<RunSummary> {
    const started = performance.now();
    const needed = ancestorsOf(graph.targets, graph.deps);
    const order = graph.order.filter((id) => needed.has(id));
    const signal = opts.signal ?? new AbortController().signal;
    const useCache = opts.cache !== false;
    const searchPaths = opts.searchPaths ?? [process.cwd()];
    const access: FileAccess = { searchPaths, roots: opts.confine };
    const resolvePath = (path: string): string => lookupPath(path, searchPaths);
    const keys = new Map<string, string>();
    const values = new Map<string, Record<string, unknown>>();
    const summary: RunSummary = { runId, executed: [], cached: [], outputs: {}, ui: {}, ms: 0 };
    emit({ type: 'run_start', runId, nodes: order, targets: graph.targets });

    for (const id of order) {
      const node = graph.nodes.get(id)!;
      const def = node.def;
      if (signal.aborted) return this.interrupt(runId, emit, undefined);
      // File inputs are resolved and confined before anything reads them (the fingerprint included).
      const filePaths: Record<string, string> = {};
      const fingerprints: Record<string, string> = {};
      try {
        for (const [name, spec] of Object.entries(def.inputs)) {
          const value = node.literals[name];
          if (!spec.file || typeof value !== 'string') continue;
          filePaths[name] = resolveFileInput(name, value, spec.file, access);
          fingerprints[name] = fingerprintPath(filePaths[name], spec.file);
        }
      } catch (err) {
        throw this.fail(err, id, def.type, node.literals, runId, emit);
      }
      const links = Object.fromEntries(Object.entries(node.links).map(([name, l]) => [name, { key: keys.get(l.from)!, output: l.output }]));
      const key = nodeKey({ type: def.type, version: def.version, literals: node.literals, fingerprints, links });
      keys.set(id, key);

      const hit = useCache && node.cache ? this.cache.get(key) : undefined;
      if (hit) {
        values.set(id, hit.outputs);
        summary.cached.push(id);
        summary.outputs[id] = hit.outputs;
        if (hit.ui) summary.ui[id] = hit.ui;
        emit({ type: 'node_cached', runId, nodeId: id, nodeType: def.type, ui: hit.ui });
        continue;
      }

      const inputs: Record<string, unknown> = { ...node.literals };
      for (const [name, l] of Object.entries(node.links)) inputs[name] = values.get(l.from)![l.output];
      const bad = checkLinkedValues(node, inputs);
      if (bad) throw this.fail(bad, id, def.type, inputs, runId, emit);
      try {
        for (const name of Object.keys(node.links)) {
          const kind = def.inputs[name].file;
          const value = inputs[name];
          if (kind && typeof value === 'string') filePaths[name] = resolveFileInput(name, value, kind, access);
        }
      } catch (err) {
        throw this.fail(err, id, def.type, inputs, runId, emit);
      }
      Object.assign(inputs, filePaths);
      const ctx = makeContext({
        id, type: def.type, runId, signal, emit, resolvePath, outputDir: opts.outputDir ?? resolve('out'), runInfo: opts.runInfo ?? {},
      });
      emit({ type: 'node_start', runId, nodeId: id, nodeType: def.type });
      const t0 = performance.now();
      let result: Record<string, unknown> | RunResult<Record<string, unknown>>;
      try {
        result = await def.run(inputs, ctx);
        if (signal.aborted) throw new InterruptedError(id);
      } catch (err) {
        if (isInterrupt(err) || signal.aborted) return this.interrupt(runId, emit, id);
        throw this.fail(err, id, def.type, inputs, runId, emit);
      }
      const { outputs, ui } = splitResult(result);
      const missing = Object.keys(def.outputs).filter((o) => outputs[o] === undefined);
      if (missing.length) {
        throw this.fail(new Error(`${def.type} did not produce output(s) ${missing.join(', ')}.`), id, def.type, inputs, runId, emit);
      }
      values.set(id, outputs);
      if (useCache && node.cache) this.cache.set(key, { outputs, ui });
      summary.executed.push(id);
      summary.outputs[id] = outputs;
      if (ui) summary.ui[id] = ui;
      emit({
        type: 'node_done', runId, nodeId: id, nodeType: def.type, ms: performance.now() - t0,
        outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, summarize(v)])), ui,
      });
    }
    summary.ms = performance.now() - started;
    emit({ type: 'run_done', runId, ms: summary.ms, executed: summary.executed, cached: summary.cached });
    return summary;
  }

  private interrupt(runId: string, emit: (event: RunEvent) => void, nodeId: string | undefined): never {
    emit({ type: 'interrupted', runId, nodeId });
    throw new InterruptedError(nodeId);
  }

  private fail(
    err: unknown, nodeId: string, nodeType: string, inputs: Record<string, unknown>, runId: string, emit: (event: RunEvent) => void,
  ): NodeRunError {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e?.code === 'string' && e.code.startsWith('E_') ? e.code : 'E_NODE_FAILED';
    const message = `${nodeType} "${nodeId}" failed: ${typeof e?.message === 'string' ? e.message : String(err)}`;
    const shown = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, JSON.stringify(summarize(v)) ?? 'undefined']));
    const wrapped = new NodeRunError({ code, nodeId, nodeType, message, inputs: shown, cause: err });
    emit({ type: 'run_error', runId, code, message, nodeId, nodeType, inputs: shown });
    return wrapped;
  }
}

function splitResult(result: unknown): { outputs: Record<string, unknown>; ui?: UiOutput } {
  const r = (result ?? {}) as Record<string, unknown>;
  if (r && typeof r.outputs === 'object' && r.outputs !== null && Object.keys(r).every((k) => k === 'outputs' || k === 'ui')) {
    return { outputs: r.outputs as Record<string, unknown>, ui: r.ui as UiOutput | undefined };
  }
  return { outputs: r };
}

function makeContext(opts: {
  id: string; type: string; runId: string; signal: AbortSignal; emit: (event: RunEvent) => void;
  resolvePath: (path: string) => string; outputDir: string; runInfo: Record<string, unknown>;
}): RunContext {
  return {
    nodeId: opts.id,
    nodeType: opts.type,
    runId: opts.runId,
    signal: opts.signal,
    throwIfAborted: () => {
      if (opts.signal.aborted) throw new InterruptedError(opts.id);
    },
    progress: (value, max) => opts.emit({ type: 'progress', runId: opts.runId, nodeId: opts.id, value, max }),
    preview: (img) => opts.emit({ type: 'preview', runId: opts.runId, nodeId: opts.id, ...img }),
    resolvePath: opts.resolvePath,
    outputDir: opts.outputDir,
    runInfo: opts.runInfo,
  };
}
