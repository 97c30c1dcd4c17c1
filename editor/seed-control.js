// "Control after run", as ComfyUI users know it: every seed input (and every Integer node, which can feed one)
// has a mode, fixed / increment / decrement / randomize, applied to its value after each queued run. A control
// whose input is fed by a link is disabled (node-types.js, syncLinkedWidgets): the source node's own control
// acts instead, so no control ever changes a value the run ignores. Modes are saved in editor.nodes[id].control.
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
      const to = controlledValue(control.value, Number(from), input.schema);
      if (to === from) continue;
      widget.conesSet(to);
      node.conesExplicit.add(name);
      changed.push({ nodeId: node.conesId, input: name, from, to });
    }
  }
  return changed;
}
