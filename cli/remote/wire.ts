import type { RunEvent } from '../../engine';
import { isNumber, isObject, isString, isStringList, issuesOf, protocolError, type RemoteHistory } from './answers';

const optional = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || v === null || check(v);
const TERMINAL = new Set(['run_done', 'run_error', 'interrupted']);

export function isTerminal(event: RunEvent): boolean {
  return TERMINAL.has(event.type);
}

/**
 * A websocket run event as the local engine emits it: shape-checked (E_SERVER_PROTOCOL when malformed), the
 * server's `seq` dropped, preview `data` decoded from base64 (so `--json` prints its byte count, as a local run
 * does). Unknown event types give undefined: a newer server may send more.
 */
export function runEventOf(raw: Record<string, unknown>, runId: string): RunEvent | undefined {
  const { seq: _seq, ...e } = raw;
  const bad = () => protocolError(`a well-formed "${String(e.type)}" event`, raw);
  const base = { runId };
  switch (e.type) {
    case 'run_start':
      if (!isStringList(e.nodes) || !isStringList(e.targets)) throw bad();
      return { ...e, ...base, type: 'run_start', nodes: e.nodes, targets: e.targets } as RunEvent;
    case 'node_cached':
    case 'node_start':
      if (!isString(e.nodeId) || !isString(e.nodeType) || !optional(e.ui, isObject)) throw bad();
      return { ...e, ...base, type: e.type, nodeId: e.nodeId, nodeType: e.nodeType } as RunEvent;
    case 'progress':
      if (!isString(e.nodeId) || !isNumber(e.value) || !isNumber(e.max)) throw bad();
      return { ...e, ...base, type: 'progress', nodeId: e.nodeId, value: e.value, max: e.max } as RunEvent;
    case 'preview':
      if (!isString(e.nodeId) || !isString(e.mime) || !isString(e.data)) throw bad();
      return { ...e, ...base, type: 'preview', nodeId: e.nodeId, mime: e.mime, data: Buffer.from(e.data, 'base64') } as RunEvent;
    case 'node_done':
      if (!isString(e.nodeId) || !isString(e.nodeType) || !isNumber(e.ms) || !isObject(e.outputs) || !optional(e.ui, isObject)) throw bad();
      return { ...e, ...base, type: 'node_done', nodeId: e.nodeId, nodeType: e.nodeType, ms: e.ms, outputs: e.outputs } as RunEvent;
    case 'run_done':
      if (!isNumber(e.ms) || !isStringList(e.executed) || !isStringList(e.cached)) throw bad();
      return { ...e, ...base, type: 'run_done', ms: e.ms, executed: e.executed, cached: e.cached } as RunEvent;
    case 'run_error': {
      if (!isString(e.code) || !isString(e.message) || !optional(e.nodeId, isString) || !optional(e.nodeType, isString) ||
        !optional(e.inputs, isObject)) throw bad();
      const listed = e.issues === undefined || e.issues === null ? undefined : issuesOf(e.issues);
      const event = { ...e, ...base, type: 'run_error' as const, code: e.code, message: e.message };
      return (listed ? { ...event, issues: listed.issues, omitted: listed.omitted + (isNumber(e.omitted) ? e.omitted : 0) } : event) as RunEvent;
    }
    case 'interrupted':
      if (!optional(e.nodeId, isString)) throw bad();
      return { ...e, ...base, type: 'interrupted' } as RunEvent;
    default:
      return undefined;
  }
}

/** The terminal event a run's history entry stands for (when the websocket could not deliver it). */
export function terminalOf(entry: RemoteHistory, runId: string): RunEvent {
  if (entry.status === 'ok') {
    return { type: 'run_done', runId, ms: entry.ms ?? 0, executed: entry.executed ?? [], cached: entry.cached ?? [] };
  }
  if (entry.status === 'interrupted') {
    return { type: 'interrupted', runId, ...(entry.interrupted?.nodeId ? { nodeId: entry.interrupted.nodeId } : {}) };
  }
  const { omitted, ...error } = entry.error!;
  return { type: 'run_error', runId, ...error, ...(error.issues ? { omitted } : {}) };
}
