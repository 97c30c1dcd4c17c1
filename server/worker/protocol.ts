import type { GraphIssue, InputOverride, RunEvent, UiOutput } from '../../engine';

/** What the worker needs to build its registry (posted as workerData). */
export interface WorkerData {
  registryModules: string[];
  /** Library folders for `lib/NAME` subgraph node types. */
  libraries: string[];
  /** Where relative file inputs are looked up, in order (see server/graph-paths.ts). */
  searchPaths: string[];
  /** Every file input must resolve inside these folders (the engine enforces it where files are opened). */
  confine: string[];
  /** The TypeScript module the .mjs entry imports once tsx is registered. */
  workerModule: string;
}

export interface RunJob {
  runId: string;
  graph: unknown;
  outputs?: string[];
  outputDir: string;
  /** The submitting client (POST /api/runs `clientId`): the farm takes turns between clients (farm/fair-share.ts). */
  clientId?: string;
  /** Inputs a `cones worker` sets on every run it executes (e.g. LoadModel.provider from --provider). */
  overrides?: InputOverride[];
}

export type ToWorker =
  | { type: 'run'; job: RunJob }
  | { type: 'interrupt'; runId: string };

export interface RunFailure {
  code: string;
  message: string;
  nodeId?: string;
  nodeType?: string;
  inputs?: Record<string, string>;
  issues?: GraphIssue[];
}

export type RunOutcome =
  | { status: 'ok'; ms: number; executed: string[]; cached: string[]; ui: Record<string, UiOutput> }
  | { status: 'error'; error: RunFailure }
  | { status: 'interrupted'; nodeId?: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'event'; event: RunEvent }
  | { type: 'done'; runId: string; outcome: RunOutcome };
