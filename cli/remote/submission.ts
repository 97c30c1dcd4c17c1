import type { InputOverride, LoadedGraph } from '../../engine';

/**
 * The graph the server receives: the file as loaded here (migrated, `--set` applied to its own nodes, subgraph
 * nodes kept for the server to expand). Overrides naming nodes inside subgraphs (`first/sampler.steps`) exist only
 * in the expanded graph, so then that is sent, with the output nodes it resolved.
 */
export function graphToSubmit(loaded: LoadedGraph, overrides: readonly InputOverride[], outputs?: string[]): { graph: unknown; outputs?: string[] } {
  const inner = overrides.some((o) => !Object.hasOwn(loaded.file.nodes, o.nodeId));
  return inner ? { graph: loaded.flat, outputs: loaded.validated.targets } : { graph: loaded.file, outputs };
}
