import type { GraphIssue } from '../../engine';
import { RemoteError, ServerAnswerError } from './errors';
import { excerpt } from './printable';

/**
 * Shape checks of what a server answers. Everything from the server is untrusted: a field of the wrong type is
 * E_SERVER_PROTOCOL naming what was expected, never a crash further down. Lists are bounded.
 */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optional = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || v === null || check(v);

/** As the engine and the server bound them (MAX_ISSUES). */
const MAX_ISSUES = 100;
const CODE = /^E_[A-Z0-9_]{1,100}$/;
/** A run id goes into URL paths: the server's are UUIDs. */
const RUN_ID = /^[A-Za-z0-9_.-]{1,200}$/;

export function protocolError(what: string, received: unknown): RemoteError {
  return new RemoteError('E_SERVER_PROTOCOL', `Expected ${what} from the server but received ${excerpt(received)}.`,
    'Check that --server names a cones-graph server of a compatible version.');
}

/** Issues as the engine shapes them: at most MAX_ISSUES kept, the rest counted. */
export function issuesOf(value: unknown): { issues: GraphIssue[]; omitted: number } {
  if (!Array.isArray(value)) throw protocolError('a list of issues', value);
  const issues = value.slice(0, MAX_ISSUES).map((issue): GraphIssue => {
    const ok = isObject(issue) && isString(issue.code) && CODE.test(issue.code) && isString(issue.message) &&
      optional(issue.nodeId, isString) && optional(issue.nodeType, isString) && optional(issue.input, isString) && optional(issue.hint, isString);
    if (!ok) throw protocolError('an issue { code, message, nodeId?, nodeType?, input?, hint? }', issue);
    const { code, message, nodeId, nodeType, input, hint } = issue as Record<string, string | undefined>;
    return { code: code!, message: message!, nodeId: nodeId ?? undefined, nodeType: nodeType ?? undefined, input: input ?? undefined, hint: hint ?? undefined };
  });
  return { issues, omitted: value.length - issues.length };
}

/** The server's coded error body, or E_SERVER_PROTOCOL when an error status comes without one (a proxy, a crash). */
export function answerError(status: number, body: unknown): ServerAnswerError | RemoteError {
  const e = isObject(body) ? body.error : undefined;
  if (!isObject(e) || !isString(e.code) || !CODE.test(e.code) || !isString(e.message) || !optional(e.hint, isString)) {
    return protocolError(`a coded error body { error: { code, message } } with HTTP ${status}`, body);
  }
  const listed = e.issues === undefined || e.issues === null ? { issues: undefined, omitted: 0 } : issuesOf(e.issues);
  const message = e.message.length > 20_000 ? `${e.message.slice(0, 20_000)}...` : e.message;
  return new ServerAnswerError(status, e.code, message, (e.hint as string | undefined) ?? undefined, listed.issues, listed.omitted);
}

export function submittedRun(body: unknown): { runId: string; position: number } {
  if (!isObject(body) || !isString(body.runId) || !RUN_ID.test(body.runId) || !isNumber(body.position)) {
    throw protocolError('{ runId, position } for the submitted run', body);
  }
  return { runId: body.runId, position: body.position };
}

export function validateVerdict(body: unknown): { ok: boolean; issues: GraphIssue[]; omitted: number } {
  if (!isObject(body) || typeof body.ok !== 'boolean') throw protocolError('{ ok, issues } from POST /api/validate', body);
  const listed = issuesOf(body.issues ?? []);
  const omitted = isNumber(body.omitted) && body.omitted > 0 ? body.omitted + listed.omitted : listed.omitted;
  if (!body.ok && !listed.issues.length) throw protocolError('the issues of a graph that is not ok', body);
  return { ok: body.ok, issues: listed.issues, omitted };
}

/** What the client reads of a history entry (GET /api/history/:runId). */
export interface RemoteHistory {
  status: 'ok' | 'error' | 'interrupted';
  files: string[];
  ms?: number;
  executed?: string[];
  cached?: string[];
  error?: { code: string; message: string; nodeId?: string; nodeType?: string; inputs?: Record<string, string>; issues?: GraphIssue[]; omitted: number };
  interrupted?: { nodeId?: string; reason?: string };
}

export function historyEntry(body: unknown, runId: string): RemoteHistory {
  const what = `the history entry of run ${runId}`;
  if (!isObject(body) || body.runId !== runId || !['ok', 'error', 'interrupted'].includes(body.status as string)) throw protocolError(what, body);
  const files = body.files ?? [];
  if (!isStringList(files) || !optional(body.ms, isNumber) || !optional(body.executed, isStringList) || !optional(body.cached, isStringList)) {
    throw protocolError(what, body);
  }
  const entry: RemoteHistory = {
    status: body.status as RemoteHistory['status'], files,
    ms: (body.ms as number | undefined) ?? undefined, executed: (body.executed as string[]) ?? undefined, cached: (body.cached as string[]) ?? undefined,
  };
  if (entry.status === 'error') {
    const e = body.error;
    const ok = isObject(e) && isString(e.code) && CODE.test(e.code) && isString(e.message) && optional(e.nodeId, isString) &&
      optional(e.nodeType, isString) && optional(e.inputs, isObject);
    if (!ok) throw protocolError(`${what} with its error { code, message }`, body);
    const listed = e.issues === undefined || e.issues === null ? undefined : issuesOf(e.issues);
    entry.error = {
      code: e.code as string, message: e.message as string, nodeId: (e.nodeId as string) ?? undefined, nodeType: (e.nodeType as string) ?? undefined,
      inputs: (e.inputs as Record<string, string>) ?? undefined, issues: listed?.issues, omitted: listed?.omitted ?? 0,
    };
  }
  if (entry.status === 'interrupted') {
    const i = isObject(body.interrupted) ? body.interrupted : {};
    if (!optional(i.nodeId, isString) || !optional(i.reason, isString)) throw protocolError(what, body);
    entry.interrupted = { nodeId: (i.nodeId as string) ?? undefined, reason: (i.reason as string) ?? undefined };
  }
  return entry;
}

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}
