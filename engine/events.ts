import type { UiOutput } from './define';
import type { GraphIssue } from './errors';

/** The typed event stream of a run (the CLI prints it as NDJSON, the server forwards it over websockets). */
export type RunEvent =
  | { type: 'run_start'; runId: string; nodes: string[]; targets: string[] }
  | { type: 'node_cached'; runId: string; nodeId: string; nodeType: string; ui?: UiOutput }
  | { type: 'node_start'; runId: string; nodeId: string; nodeType: string }
  | { type: 'progress'; runId: string; nodeId: string; value: number; max: number }
  | { type: 'preview'; runId: string; nodeId: string; mime: string; data: Uint8Array; width?: number; height?: number }
  | { type: 'node_done'; runId: string; nodeId: string; nodeType: string; ms: number; outputs: Record<string, unknown>; ui?: UiOutput }
  | { type: 'run_done'; runId: string; ms: number; executed: string[]; cached: string[] }
  | {
    type: 'run_error'; runId: string; code: string; message: string;
    nodeId?: string; nodeType?: string; inputs?: Record<string, string>; issues?: GraphIssue[]; omitted?: number;
  }
  | { type: 'interrupted'; runId: string; nodeId?: string };

export type RunEventType = RunEvent['type'];

/** A short, JSON-safe description of a value for events: primitives as they are, big things by shape. */
export function summarize(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(value)) return value.length <= 16 && value.every((v) => typeof v !== 'object') ? value : `Array(${value.length})`;
  if (typeof value === 'object') {
    const dims = (value as { dims?: unknown }).dims;
    if (Array.isArray(dims)) return `tensor[${dims.join(', ')}]`;
    const describe = (value as { describe?: () => string }).describe;
    if (typeof describe === 'function') return describe.call(value);
    return value.constructor?.name && value.constructor.name !== 'Object' ? value.constructor.name : 'object';
  }
  return typeof value;
}
