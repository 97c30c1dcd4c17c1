import type { RunContext } from '../../engine';
import type { BatchOrigin } from './batch';

/**
 * Text entries embedded in every saved image: the graph that made it (restorable in the editor) and the runtime
 * versions, so an image can be reproduced. Keys: "cones-graph" (graph file JSON), "cones-run" (versions, node id).
 * Image k of a sampler batch also records its seed and place in the batch ("cones-run" `seed`, `batch`), and its
 * graph has that sampler's seed set to seed + k and batch 1, so running the PNG makes that one image again.
 */
export function provenance(ctx: RunContext, origin?: BatchOrigin): Record<string, string> {
  const out: Record<string, string> = {};
  if (ctx.runInfo.graph) out['cones-graph'] = JSON.stringify(origin ? graphForImage(ctx.runInfo.graph, origin) : ctx.runInfo.graph);
  out['cones-run'] = JSON.stringify({
    node: ctx.nodeId,
    runId: ctx.runId,
    ...(origin ? { seed: origin.seed, batch: { index: origin.index, size: origin.size, sampler: origin.node } } : {}),
    node_version: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  });
  return out;
}

interface GraphLike { nodes?: Record<string, { type?: string; inputs?: Record<string, unknown> }> }

/** The graph with the batch's sampler making only this image; unchanged when the sampler is not a top-level node. */
export function graphForImage(graph: unknown, origin: BatchOrigin): unknown {
  const nodes = (graph as GraphLike).nodes;
  const sampler = nodes?.[origin.node];
  const seed = Number(origin.seed);
  if (!sampler || sampler.type !== 'GuidedSampler' || !Number.isSafeInteger(seed)) return graph;
  return { ...(graph as object), nodes: { ...nodes, [origin.node]: { ...sampler, inputs: { ...sampler.inputs, seed, batch: 1 } } } };
}
