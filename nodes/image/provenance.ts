import type { RunContext } from '../../engine';

/**
 * Text entries embedded in every saved image: the graph that made it (restorable in the editor) and the runtime
 * versions, so an image can be reproduced. Keys: "cones-graph" (graph file JSON), "cones-run" (versions, node id).
 */
export function provenance(ctx: RunContext): Record<string, string> {
  const out: Record<string, string> = {};
  if (ctx.runInfo.graph) out['cones-graph'] = JSON.stringify(ctx.runInfo.graph);
  out['cones-run'] = JSON.stringify({
    node: ctx.nodeId,
    runId: ctx.runId,
    node_version: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  });
  return out;
}
