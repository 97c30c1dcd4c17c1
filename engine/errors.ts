import { CodedError } from '../errors/coded-error';
import type { CodeTable } from '../errors/code-table';

/**
 * The engine's error codes. Every problem found in a graph is a `GraphIssue` carrying one of
 * these codes plus the node id, node type and input it concerns, so people (and the editor) can point
 * at the offending spot. Codes are stable: tests, the CLI's NDJSON and the editor key on them.
 * Part of the project-wide catalogue (errors/catalogue.ts).
 */
export const ERROR_CODES = {
  E_GRAPH_FILE: { summary: 'The graph file cannot be read (missing, or not a file).' },
  E_GRAPH_JSON: { summary: 'The file is not valid JSON.' },
  E_GRAPH_FORMAT: { summary: 'The file does not follow the cones-graph file schema.' },
  E_GRAPH_VERSION: { summary: 'The file format version is newer than this engine understands.' },
  E_UNKNOWN_NODE_TYPE: { summary: 'A node has a type that no registered node definition provides.' },
  E_NODE_VERSION: { summary: 'A node type version is newer than the installed definition, or has no migration.' },
  E_UNKNOWN_INPUT: { summary: 'A node sets an input its type does not declare.' },
  E_MISSING_INPUT: { summary: 'A required input has neither a value nor a link.' },
  E_TYPE_MISMATCH: { summary: 'A link connects ports of different types, or a literal was given to a link-only input.' },
  E_VALUE_OUT_OF_RANGE: { summary: 'A literal value is below its minimum or above its maximum.' },
  E_VALUE_NOT_IN_LIST: { summary: 'A literal value is not one of the allowed choices.' },
  E_VALUE_INVALID: { summary: 'A literal value does not match its input schema.' },
  E_DANGLING_LINK: { summary: 'A link points at a node or an output that does not exist.' },
  E_CYCLE: { summary: 'The graph has a cycle.' },
  E_NO_OUTPUT: { summary: 'The graph has no output node to run (or the requested output is not an output node).' },
  E_NODE_FAILED: { summary: 'A node failed while running.' },
  E_INTERRUPTED: { summary: 'The run was interrupted.' },
  E_SET_UNKNOWN_NODE: { summary: 'An input override (the CLI\'s `--set NODE.INPUT=VALUE`) names a node the graph does not have.' },
  E_FILE_NOT_ALLOWED: {
    summary: 'A file input names a path outside the folders the run may read (also through a symbolic link), or a device, FIFO or socket.',
  },
  E_CHECK_FAILED: {
    summary: 'A node\'s file check (preflight, before anything runs) failed without a code of its own: a bug in the check.',
  },
  E_SUBGRAPH_NAME: {
    summary: 'A subgraph node type is not `lib/NAME` or `subgraph/NAME` with a plain NAME (letters, digits, _ and -; no dots or slashes).',
  },
  E_SUBGRAPH_INTERFACE: {
    summary: 'A graph used as a node has no interface, or its interface names an inner node, input or output that does not exist or cannot be typed.',
  },
  E_SUBGRAPH_HASH: { summary: 'A library subgraph\'s file does not have the sha256 content hash the using graph pins.' },
  E_SUBGRAPH_LIMIT: {
    summary: 'Subgraph expansion exceeds a bound: nesting depth, total expanded nodes, or library files read per graph.',
  },
  E_PLUGIN_LOAD: {
    summary: 'A plugin module could not be imported, does not export `nodes`, or declares a node type the registry refuses.',
  },
} as const satisfies CodeTable;

export type EngineErrorCode = keyof typeof ERROR_CODES;

export interface GraphIssue {
  code: EngineErrorCode | string;
  message: string;
  nodeId?: string;
  nodeType?: string;
  input?: string;
  hint?: string;
}

/** Thrown when a graph cannot be loaded or validated; carries every issue found, not just the first. */
export class GraphValidationError extends CodedError {
  /** At most MAX_ISSUES issues; `omitted` counts the rest, so an answer about a hostile graph stays small. */
  readonly issues: GraphIssue[];
  readonly omitted: number;
  constructor(issues: GraphIssue[]) {
    const kept = issues.slice(0, MAX_ISSUES);
    const omitted = issues.length - kept.length;
    const more = omitted > 0 ? `\n... and ${omitted} more issue${omitted === 1 ? '' : 's'}.` : '';
    super(kept[0]?.code ?? 'E_GRAPH_FORMAT', kept.map(formatIssue).join('\n') + more);
    this.name = 'GraphValidationError';
    this.issues = kept;
    this.omitted = omitted;
  }
}

/** Issues reported per graph; the rest are counted, not listed. */
export const MAX_ISSUES = 100;

/** A failure inside a node's run, wrapped with where it happened. `code` is the node's own code when it has one. */
export class NodeRunError extends CodedError {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly inputs: Record<string, string>;
  constructor(opts: { code: string; nodeId: string; nodeType: string; message: string; inputs: Record<string, string>; cause?: unknown }) {
    super(opts.code, opts.message, { cause: opts.cause });
    this.name = 'NodeRunError';
    this.nodeId = opts.nodeId;
    this.nodeType = opts.nodeType;
    this.inputs = opts.inputs;
  }
}

export class InterruptedError extends CodedError<'E_INTERRUPTED'> {
  readonly nodeId?: string;
  constructor(nodeId?: string) {
    super('E_INTERRUPTED', nodeId ? `Run interrupted while node "${nodeId}" was running.` : 'Run interrupted.');
    this.name = 'InterruptedError';
    this.nodeId = nodeId;
  }
}

export function formatIssue(issue: GraphIssue): string {
  const where = [
    issue.nodeId !== undefined ? `node "${issue.nodeId}"` : '',
    issue.nodeType ? `(${issue.nodeType})` : '',
    issue.input ? `input "${issue.input}"` : '',
  ].filter(Boolean).join(' ');
  const hint = issue.hint ? ` ${issue.hint}` : '';
  return `${issue.code}${where ? ` at ${where}` : ''}: ${issue.message}${hint}`;
}

export function isInterrupt(err: unknown): boolean {
  return err instanceof InterruptedError || (err instanceof Error && err.name === 'AbortError');
}
