import type { JsonSchema } from './schema/json-schema';

/**
 * Typed node definitions. `input<T>()` and `output<T>()` carry the TypeScript type of a port as a phantom,
 * so `run` receives typed inputs and must return typed outputs without casts:
 *
 *   defineNode({ type: 'Math', version: 1, inputs: { a: input<number>('FLOAT', { schema: { type: 'number' } }) },
 *                outputs: { result: output<number>('FLOAT') }, run: ({ a }) => ({ result: a * 2 }) })
 */
export interface InputSpec<T = unknown> {
  /** Port type name; links must come from an output of the same type. */
  type: string;
  /** JSON Schema for a literal value (a widget in the editor). Without it the input can only be linked. */
  schema?: JsonSchema;
  optional?: boolean;
  description?: string;
  /** The literal names a file or folder: its content fingerprint joins the cache key. */
  file?: 'file' | 'dir';
  /** Phantom: never set at runtime. */
  readonly __type?: T;
}

export interface OutputSpec<T = unknown> {
  type: string;
  description?: string;
  readonly __type?: T;
}

export function input<T>(type: string, opts: Omit<InputSpec<T>, 'type' | '__type'> = {}): InputSpec<T> {
  return { type, ...opts };
}

export function output<T>(type: string, opts: Omit<OutputSpec<T>, 'type' | '__type'> = {}): OutputSpec<T> {
  return { type, ...opts };
}

type InputValues<I extends Record<string, InputSpec>> = {
  [K in keyof I]: I[K] extends InputSpec<infer T> ? (I[K]['optional'] extends true ? T | undefined : T) : never;
};
type OutputValues<O extends Record<string, OutputSpec>> = {
  [K in keyof O]: O[K] extends OutputSpec<infer T> ? T : never;
};

export interface Preview {
  mime: string;
  data: Uint8Array;
  width?: number;
  height?: number;
}

/** What a running node may use. Everything the node needs from the outside comes through here. */
export interface RunContext {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly runId: string;
  readonly signal: AbortSignal;
  /** Throws an interruption error if the run was cancelled; call it inside long loops. */
  throwIfAborted(): void;
  progress(value: number, max: number): void;
  preview(image: Preview): void;
  /** Resolves a user-given path against the run's search paths (graph folder, cwd, install root). */
  resolvePath(path: string): string;
  readonly outputDir: string;
  /** Free-form run metadata (e.g. the graph itself) that output nodes may embed in their files. */
  readonly runInfo: Readonly<Record<string, unknown>>;
}

/** Values shown to the person running the graph (image paths, text); sent with the node-done event. */
export type UiOutput = Record<string, unknown>;

export interface RunResult<O> {
  outputs: O;
  ui?: UiOutput;
}

export type NodeMigration = (inputs: Record<string, unknown>) => Record<string, unknown>;

/**
 * A problem a check hook found, as it would surface at run time: the code the node would throw, what was expected
 * and received, what to do, and the input it concerns. It becomes a GraphIssue with the node's id and type.
 */
export interface CheckIssue {
  code: string;
  message: string;
  hint?: string;
  input?: string;
}

/**
 * What a check hook knows about its inputs before anything runs (engine/preflight.ts).
 * - `literals`: literal values with defaults filled in, exactly as `run` would receive them (file inputs as
 *   resolved, confined paths).
 * - `facts`: for each linked input, the facts the upstream node's check declared for that output (for a file input
 *   given as a path string, that path resolved and confined); undefined when the upstream node has no check or could
 *   not tell. Facts are whatever the producing check chose: a plain value for plain ports (a literal text is its
 *   string), a small summary for heavy ones (a model's text width).
 */
export interface CheckInputs<I extends Record<string, InputSpec>> {
  literals: Partial<InputValues<I>>;
  facts: Partial<Record<keyof I, unknown>>;
}

/** What a check hook may use: path resolution and confinement as in the run, and issue reporting. */
export interface CheckContext {
  readonly nodeId: string;
  readonly nodeType: string;
  /** Resolves a user-given path against the run's search paths (as RunContext.resolvePath). */
  resolvePath(path: string): string;
  /**
   * Resolves a path the check wants to open under the run's confinement (engine/file-inputs.ts): throws
   * E_FILE_NOT_ALLOWED for a path outside the allowed folders, a device or a FIFO. Declared file inputs arrive
   * already resolved this way.
   */
  resolveFile(input: string, path: string, kind: 'file' | 'dir'): string;
  report(issue: CheckIssue): void;
  /**
   * Runs `fn` and returns its value; if it throws, the error becomes an issue on `input` (a coded error keeps its
   * code and hint, anything else is E_CHECK_FAILED) and undefined is returned.
   */
  attempt<T>(input: string | undefined, fn: () => T | Promise<T>): Promise<T | undefined>;
}

/** What a check hook returns: facts per output (for the checks downstream) and issues (or use ctx.report). */
export interface CheckResult<O extends Record<string, OutputSpec>> {
  facts?: Partial<Record<keyof O, unknown>>;
  issues?: CheckIssue[];
}

export interface NodeDefinition<
  I extends Record<string, InputSpec> = Record<string, InputSpec>,
  O extends Record<string, OutputSpec> = Record<string, OutputSpec>,
> {
  type: string;
  version: number;
  category: string;
  description: string;
  inputs: I;
  outputs: O;
  /** Output nodes are what a run targets: savers, previews. */
  isOutput?: boolean;
  /** false: never served from the cache (default true). */
  cache?: boolean;
  deprecated?: string;
  /** Upgrades the inputs of older saved versions: key = the version being upgraded FROM. */
  migrations?: Record<number, NodeMigration>;
  /**
   * Optional preflight check (engine/preflight.ts): looks at literals, upstream facts and the files they name
   * WITHOUT running anything heavy, reports the problems the run would meet (with the codes the run would throw) and
   * declares facts about its outputs. Must stay bounded: read headers and small configs, never load weights.
   */
  check?(inputs: CheckInputs<I>, ctx: CheckContext): CheckResult<O> | void | Promise<CheckResult<O> | void>;
  run(
    inputs: InputValues<I>, ctx: RunContext,
  ): Promise<OutputValues<O> | RunResult<OutputValues<O>>> | OutputValues<O> | RunResult<OutputValues<O>>;
}

/** A definition with its port types erased, as the registry stores it (`run` is a method, so any typed definition fits). */
export type AnyNodeDefinition = NodeDefinition<Record<string, InputSpec>, Record<string, OutputSpec>>;

export function defineNode<I extends Record<string, InputSpec>, O extends Record<string, OutputSpec>>(
  def: NodeDefinition<I, O>,
): NodeDefinition<I, O> {
  return def;
}
