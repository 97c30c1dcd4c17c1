import type { CheckContext, CheckIssue } from './define';
import { GraphValidationError, MAX_ISSUES, type GraphIssue } from './errors';
import { lookupPath, resolveFileInput, type FileAccess } from './file-inputs';
import { loadGraph, type LoadedGraph } from './load';
import type { InputOverride } from './overrides';
import type { NodeRegistry } from './registry';
import { ancestorsOf } from './toposort';
import type { ResolvedNode, ValidatedGraph } from './validate';

/**
 * Preflight: the checks that need files, run after structural validation and before anything runs. Each node type
 * may declare a `check` hook (engine/define.ts); here they are called in topological order over the nodes the run
 * would execute, each handed its literals and, for linked inputs, the facts its upstream node's check declared:
 *
 *   LoadModel.check  --facts {textWidth, ...}-->  AddResidual.check  <--facts {width}--  LoadResidual.check
 *
 * Nothing runs: a hook reads headers and small configs only. File inputs are resolved and confined exactly as the
 * run resolves them (engine/file-inputs.ts) before a hook sees them, so a check never reads outside the allowed
 * folders. Every problem becomes a GraphIssue (node id, type, input) with the code the run would throw; a hook that
 * fails without a code gives E_CHECK_FAILED and never ends validation. The engine knows nothing of what is checked.
 */
export interface PreflightOptions {
  /** Where relative paths are looked up (as RunOptions.searchPaths). */
  searchPaths?: readonly string[];
  /** Folders every file must resolve inside (as RunOptions.confine). */
  confine?: readonly string[];
  /** After this many milliseconds the remaining checks are skipped (listed in `unchecked`); default 30 s. */
  budgetMs?: number;
}

export interface PreflightReport {
  issues: GraphIssue[];
  /** Nodes with a check that did not run or finish: the time budget ran out, or MAX_ISSUES issues were found. */
  unchecked: string[];
}

export const DEFAULT_PREFLIGHT_BUDGET_MS = 30_000;
/** Hooks run per graph at most; a graph with more checked nodes leaves the rest unchecked (they fail at run time). */
export const MAX_CHECKED_NODES = 1000;
/** Issue messages and hints are cut to this many characters so an answer about a hostile graph stays small. */
const MAX_TEXT = 2000;
const CODE = /^E_[A-Z0-9_]{2,}$/;

export async function preflightGraph(graph: ValidatedGraph, opts: PreflightOptions = {}): Promise<PreflightReport> {
  const needed = ancestorsOf(graph.targets, graph.deps);
  const order = graph.order.filter((id) => needed.has(id));
  const searchPaths = opts.searchPaths ?? [process.cwd()];
  const access: FileAccess = { searchPaths, roots: opts.confine };
  const deadline = performance.now() + (opts.budgetMs ?? DEFAULT_PREFLIGHT_BUDGET_MS);
  const facts = new Map<string, Record<string, unknown>>();
  const issues: GraphIssue[] = [];
  const unchecked: string[] = [];
  let checked = 0;

  for (const id of order) {
    const node = graph.nodes.get(id)!;
    const def = node.def;
    if (issues.length >= MAX_ISSUES || checked >= MAX_CHECKED_NODES || performance.now() > deadline) {
      if (def.check) unchecked.push(id);
      continue;
    }
    const at = { nodeId: id, nodeType: def.type };
    const literals: Record<string, unknown> = { ...node.literals };
    const linked: Record<string, unknown> = {};
    for (const [name, l] of Object.entries(node.links)) linked[name] = facts.get(l.from)?.[l.output];
    if (!resolveFiles(node, literals, linked, access, (issue) => issues.push({ ...issue, ...at }))) continue;
    if (!def.check) continue;
    checked++;
    const found: CheckIssue[] = [];
    const ctx = checkContext(node, access, found);
    const remaining = deadline - performance.now();
    try {
      const result = await withTimeout(Promise.resolve(def.check({ literals, facts: linked }, ctx)), remaining);
      if (result === TIMED_OUT) {
        unchecked.push(id);
        continue;
      }
      if (result?.facts) facts.set(id, result.facts as Record<string, unknown>);
      found.push(...(result?.issues ?? []));
    } catch (err) {
      found.push(issueFromError(err, undefined, def.type));
    }
    for (const issue of found) issues.push({ ...clean(issue, node), ...at });
  }
  return { issues, unchecked };
}

/**
 * Resolves every file input given as a string (literal, or a linked fact that is a path) as the run will, replacing
 * it with the resolved path. A refused path is an issue on its input and the node's check is skipped.
 */
function resolveFiles(
  node: ResolvedNode, literals: Record<string, unknown>, linked: Record<string, unknown>, access: FileAccess,
  report: (issue: CheckIssue) => void,
): boolean {
  let ok = true;
  for (const [name, spec] of Object.entries(node.def.inputs)) {
    if (!spec.file) continue;
    const values = Object.hasOwn(node.links, name) ? linked : literals;
    const value = values[name];
    if (typeof value !== 'string') continue;
    try {
      values[name] = resolveFileInput(name, value, spec.file, access);
    } catch (err) {
      report(issueFromError(err, name, node.def.type));
      ok = false;
    }
  }
  return ok;
}

function checkContext(node: ResolvedNode, access: FileAccess, found: CheckIssue[]): CheckContext {
  return {
    nodeId: node.id,
    nodeType: node.def.type,
    resolvePath: (path) => lookupPath(path, access.searchPaths),
    resolveFile: (input, path, kind) => resolveFileInput(input, path, kind, access),
    report: (issue) => void found.push(issue),
    attempt: async (input, fn) => {
      try {
        return await fn();
      } catch (err) {
        found.push(issueFromError(err, input, node.def.type));
        return undefined;
      }
    },
  };
}

/** A thrown error as an issue: a coded error keeps its code and hint; anything else is E_CHECK_FAILED. */
function issueFromError(err: unknown, input: string | undefined, nodeType: string): CheckIssue {
  const e = err as { code?: unknown; message?: unknown; hint?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof e?.code === 'string' && CODE.test(e.code)) {
    const hint = typeof e.hint === 'string' ? e.hint : undefined;
    // CodedError appends its hint to the message; the issue carries it separately.
    const own = hint && message.endsWith(` ${hint}`) ? message.slice(0, -hint.length - 1) : message;
    return { code: e.code, message: own, hint, input };
  }
  return {
    code: 'E_CHECK_FAILED', input,
    message: `Expected the ${nodeType} file check to finish but it failed: ${message}.`,
    hint: 'This is a bug in the check, not necessarily in the graph: `cones validate --no-files` skips the file checks.',
  };
}

/** Bounded text, a valid code, and an input only when the node declares it. */
function clean(issue: CheckIssue, node: ResolvedNode): CheckIssue {
  const code = typeof issue.code === 'string' && CODE.test(issue.code) ? issue.code : 'E_CHECK_FAILED';
  const cut = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text);
  const out: CheckIssue = { code, message: cut(String(issue.message)) };
  if (typeof issue.hint === 'string') out.hint = cut(issue.hint);
  if (typeof issue.input === 'string' && Object.hasOwn(node.def.inputs, issue.input)) out.input = issue.input;
  return out;
}

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface CheckGraphOptions extends PreflightOptions {
  /** Output node ids to check for; default as for a run. */
  outputs?: readonly string[];
  overrides?: readonly InputOverride[];
  /** false: structure only (no check hooks, no file access). Default true. */
  files?: boolean;
  /** Library folders for `lib/NAME` subgraph node types (as RunOptions.libraries). */
  libraries?: readonly string[];
}

/**
 * Structural validation, then (unless `files: false`) the preflight checks. Throws GraphValidationError with every
 * issue; returns the loaded graph and the nodes left unchecked.
 */
export async function checkGraph(
  source: string | unknown, registry: NodeRegistry, opts: CheckGraphOptions = {},
): Promise<LoadedGraph & { unchecked: string[] }> {
  const loaded = loadGraph(source, registry, opts.outputs, opts.overrides, { libraries: opts.libraries });
  if (opts.files === false) return { ...loaded, unchecked: [] };
  const report = await preflightGraph(loaded.validated, opts);
  if (report.issues.length) throw new GraphValidationError(report.issues);
  return { ...loaded, unchecked: report.unchecked };
}
