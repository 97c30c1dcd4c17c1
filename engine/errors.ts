/**
 * The engine's coded error catalogue. Every problem found in a graph is a `GraphIssue` carrying one of
 * these codes plus the node id, node type and input it concerns, so people (and the editor) can point
 * at the offending spot. Codes are stable: tests, the CLI's NDJSON and the editor key on them.
 */
export const ERROR_CODES = {
  E_GRAPH_FILE: 'The graph file cannot be read (missing, or not a file).',
  E_GRAPH_JSON: 'The file is not valid JSON.',
  E_GRAPH_FORMAT: 'The file does not follow the cones-graph file schema.',
  E_GRAPH_VERSION: 'The file format version is newer than this engine understands.',
  E_UNKNOWN_NODE_TYPE: 'A node has a type that no registered node definition provides.',
  E_NODE_VERSION: 'A node type version is newer than the installed definition, or has no migration.',
  E_UNKNOWN_INPUT: 'A node sets an input its type does not declare.',
  E_MISSING_INPUT: 'A required input has neither a value nor a link.',
  E_TYPE_MISMATCH: 'A link connects ports of different types, or a literal was given to a link-only input.',
  E_VALUE_OUT_OF_RANGE: 'A literal value is below its minimum or above its maximum.',
  E_VALUE_NOT_IN_LIST: 'A literal value is not one of the allowed choices.',
  E_VALUE_INVALID: 'A literal value does not match its input schema.',
  E_DANGLING_LINK: 'A link points at a node or an output that does not exist.',
  E_CYCLE: 'The graph has a cycle.',
  E_NO_OUTPUT: 'The graph has no output node to run (or the requested output is not an output node).',
  E_NODE_FAILED: 'A node failed while running.',
  E_INTERRUPTED: 'The run was interrupted.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GraphIssue {
  code: ErrorCode | string;
  message: string;
  nodeId?: string;
  nodeType?: string;
  input?: string;
  hint?: string;
}

/** Thrown when a graph cannot be loaded or validated; carries every issue found, not just the first. */
export class GraphValidationError extends Error {
  readonly code: string;
  readonly issues: GraphIssue[];
  constructor(issues: GraphIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'GraphValidationError';
    this.issues = issues;
    this.code = issues[0]?.code ?? 'E_GRAPH_FORMAT';
  }
}

/** A failure inside a node's run, wrapped with where it happened. `code` is the node's own code when it has one. */
export class NodeRunError extends Error {
  readonly code: string;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly inputs: Record<string, string>;
  constructor(opts: { code: string; nodeId: string; nodeType: string; message: string; inputs: Record<string, string>; cause?: unknown }) {
    super(opts.message, { cause: opts.cause });
    this.name = 'NodeRunError';
    this.code = opts.code;
    this.nodeId = opts.nodeId;
    this.nodeType = opts.nodeType;
    this.inputs = opts.inputs;
  }
}

export class InterruptedError extends Error {
  readonly code = 'E_INTERRUPTED';
  readonly nodeId?: string;
  constructor(nodeId?: string) {
    super(nodeId ? `Run interrupted while node "${nodeId}" was running.` : 'Run interrupted.');
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
