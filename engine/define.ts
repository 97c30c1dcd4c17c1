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
