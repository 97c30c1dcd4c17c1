// "Collapse to subgraph", as a change of the graph file (no canvas involved): the selected nodes move, with their
// values, links between them and positions, into an embedded subgraph NAME of the file's `subgraphs` section, and
// one `subgraph/NAME` node takes their place, wired to the same outside nodes:
//   - a link coming in from outside becomes an interface input named after the inner input (made unique); links from
//     one outside output into several selected inputs share one interface input;
//   - a selected output read outside becomes an interface output named after the inner output (made unique).
// Errors carry a code (`err.code`) and say what to do.
import { SUBGRAPH_NAME } from './subgraph-types.js';

const isLink = (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.from === 'string' && typeof v.output === 'string';

function codedError(code, message) {
  return Object.assign(new Error(message), { code });
}

function uniqueName(base, taken) {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** Checks a subgraph name the user typed; throws a coded error. */
export function checkSubgraphName(name, file) {
  if (typeof name !== 'string' || !SUBGRAPH_NAME.test(name)) {
    throw codedError('E_SUBGRAPH_NAME', `Expected a subgraph name of letters, digits, _ and - (at most 100) but received ${JSON.stringify(String(name ?? '')).slice(0, 120)}.`);
  }
  if (file.subgraphs && Object.hasOwn(file.subgraphs, name)) {
    throw codedError('E_SUBGRAPH_EXISTS', `The file already embeds a subgraph "${name}": choose another name.`);
  }
}

/**
 * Returns `{ file, nodeId }`: a copy of `file` with the nodes `ids` collapsed into the embedded subgraph `name`, and
 * the id of the node that replaces them.
 */
export function collapseToSubgraph(file, ids, name) {
  checkSubgraphName(name, file);
  const selected = new Set(ids.filter((id) => Object.hasOwn(file.nodes, id)));
  if (!selected.size) throw codedError('E_SUBGRAPH_SELECTION', 'Select the nodes to collapse first (click, Ctrl+click or Ctrl+drag).');
  const out = structuredClone(file);
  const editorNodes = out.editor?.nodes ?? {};

  const inner = {};
  const innerEditor = {};
  const ifaceInputs = {};
  const inputTaken = new Set();
  const bySource = new Map(); // "from\0output" -> interface input name
  const ins = {}; // interface input -> the outside link
  for (const id of selected) {
    const entry = structuredClone(out.nodes[id]);
    for (const [input, value] of Object.entries(entry.inputs ?? {})) {
      if (!isLink(value) || selected.has(value.from)) continue;
      const key = `${value.from}\0${value.output}`;
      let name = bySource.get(key);
      if (name === undefined) {
        name = uniqueName(input, inputTaken);
        bySource.set(key, name);
        ins[name] = { from: value.from, output: value.output };
        ifaceInputs[name] = { node: id, input };
      } else {
        ifaceInputs[name] = [...[ifaceInputs[name]].flat(), { node: id, input }];
      }
      delete entry.inputs[input]; // the interface input feeds it
    }
    inner[id] = entry;
  }

  const xs = [...selected].map((id) => editorNodes[id]?.pos).filter(Array.isArray);
  const origin = xs.length ? [Math.min(...xs.map((p) => p[0])), Math.min(...xs.map((p) => p[1]))] : [40, 40];
  for (const id of selected) {
    const e = editorNodes[id];
    if (e) innerEditor[id] = { ...structuredClone(e), ...(Array.isArray(e.pos) ? { pos: [e.pos[0] - origin[0] + 40, e.pos[1] - origin[1] + 40] } : {}) };
  }

  const taken = new Set(Object.keys(out.nodes).filter((id) => !selected.has(id)));
  const base = name.toLowerCase().replace(/[^a-z0-9_-]/g, '') || 'subgraph';
  const nodeId = uniqueName(base, taken);

  const ifaceOutputs = {};
  const outputTaken = new Set();
  const byInner = new Map(); // "node\0output" -> interface output name
  for (const [id, entry] of Object.entries(out.nodes)) {
    if (selected.has(id)) continue;
    for (const [input, value] of Object.entries(entry.inputs ?? {})) {
      if (!isLink(value) || !selected.has(value.from)) continue;
      const key = `${value.from}\0${value.output}`;
      let outName = byInner.get(key);
      if (outName === undefined) {
        outName = uniqueName(value.output, outputTaken);
        byInner.set(key, outName);
        ifaceOutputs[outName] = { node: value.from, output: value.output };
      }
      entry.inputs[input] = { from: nodeId, output: outName };
    }
  }

  const nodes = {};
  for (const [id, entry] of Object.entries(out.nodes)) {
    if (!selected.has(id)) nodes[id] = entry;
    else if (!Object.hasOwn(nodes, nodeId)) nodes[nodeId] = { type: `subgraph/${name}`, version: 1, inputs: ins };
  }
  out.nodes = nodes;
  if (out.editor?.nodes) {
    for (const id of selected) delete out.editor.nodes[id];
    out.editor.nodes[nodeId] = { pos: origin };
  }
  if (Array.isArray(out.outputs)) {
    const had = out.outputs.some((id) => selected.has(id));
    out.outputs = out.outputs.filter((id) => !selected.has(id));
    if (had) out.outputs.push(nodeId);
  }
  out.subgraphs = {
    ...(out.subgraphs ?? {}),
    [name]: {
      format: 'cones-graph', version: 1,
      meta: { title: name },
      interface: { version: 1, inputs: ifaceInputs, outputs: ifaceOutputs },
      nodes: inner,
      editor: { nodes: innerEditor },
    },
  };
  return { file: out, nodeId };
}
