// "Control after run", as ComfyUI users know it: every seed input (and every Integer node, which can feed one)
// has a mode, fixed / increment / decrement / randomize, applied to its value after each queued run. A control
// whose input is fed by a link is disabled (node-types.js, syncLinkedWidgets): the source node's own control
// acts instead, so no control ever changes a value the run ignores. Modes are saved in editor.nodes[id].control.
// Increment and decrement step by the batch size of the node the seed reaches: a batch of N draws seeds s .. s + N - 1
// (image k is the batch-1 image of seed + k), so the next run starts at s + N instead of repeating N - 1 images.
import { controlledValue } from './widgets.js';

/** Applies every enabled control of the graph once; returns [{ nodeId, input, from, to }] for what changed. */
export function applyControls(graph) {
  const changed = [];
  for (const node of graph._nodes) {
    for (const control of node.widgets ?? []) {
      if (!control.conesControlFor || control.disabled || control.value === 'fixed') continue;
      const name = control.conesControlFor;
      const widget = node.widgets.find((w) => w.conesInput === name);
      const input = node.conesDesc?.inputs.find((i) => i.name === name);
      if (!widget || !input) continue;
      const from = widget.conesGet();
      const to = controlledValue(control.value, Number(from), input.schema, batchStep(graph, node, name));
      if (to === from) continue;
      widget.conesSet(to);
      node.conesExplicit.add(name);
      changed.push({ nodeId: node.conesId, input: name, from, to });
    }
  }
  return changed;
}

/** The batch size of a literal `batch` input on `node`, or 1 (no such input, linked, or not a positive integer). */
function literalBatch(node) {
  const widget = node.widgets?.find((w) => w.conesInput === 'batch');
  const slot = node.inputs?.find((i) => i.name === 'batch');
  if (!widget || widget.disabled || slot?.link != null) return 1;
  const n = Number(widget.conesGet());
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/**
 * How far increment / decrement move `name` on `node`: the node's own batch when the control is its seed, else the
 * largest batch among the nodes whose seed input this node's outputs feed (an Integer node feeding samplers).
 */
function batchStep(graph, node, name) {
  if (name === 'seed' && node.conesDesc?.inputs.some((i) => i.name === 'batch')) return literalBatch(node);
  let step = 1;
  for (const output of node.outputs ?? []) {
    for (const linkId of output.links ?? []) {
      const link = graph.links?.[linkId] ?? graph.links?.get?.(linkId);
      const target = link && graph.getNodeById(link.target_id);
      if (target?.inputs?.[link.target_slot]?.name === 'seed') step = Math.max(step, literalBatch(target));
    }
  }
  return step;
}
