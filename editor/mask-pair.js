// Where a painted mask goes in the graph file (no canvas involved). A picture's mask is a PNG in the inputs folder
// named after it (`photo.png` -> `photo-mask.png`, `photo-mask-1.png` when the server renamed an upload), read by a
// LoadImage node that feeds an ImageToMask node (white = repaint): the pair. Saving a mask for picture node P
//   - sets the pair's LoadImage to the new file when P already has a pair;
//   - otherwise adds the pair below P and feeds its mask to every MASK input of the nodes P's picture flows into
//     (an inpaint graph's sampler `mask` and CompositeImage `mask`), replacing what fed them.

const isLink = (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.from === 'string' && typeof v.output === 'string';
const literal = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && 'value' in v ? v.value : v);
const PAIR_OFFSET_Y = 260;

/** The file name stem of a path ("sub/photo.png" -> "photo"). */
export function stemOf(path) {
  const base = String(path ?? '').split(/[\\/]/).pop();
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The name a mask of `picturePath` is uploaded under. */
export function maskFileName(picturePath) {
  return `${stemOf(picturePath).replace(/[^A-Za-z0-9._ -]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'picture'}-mask.png`;
}

function isMaskOf(maskPath, picturePath) {
  const stem = stemOf(picturePath).replace(/[^A-Za-z0-9._ -]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'picture';
  const own = stemOf(maskPath);
  return own === `${stem}-mask` || (own.startsWith(`${stem}-mask-`) && /^\d+$/.test(own.slice(stem.length + 6)));
}

/** ImageToMask nodes fed by a LoadImage: [{ maskId, loaderId }]. */
function pairs(file) {
  const found = [];
  for (const [id, entry] of Object.entries(file.nodes)) {
    const from = entry.type === 'ImageToMask' && isLink(entry.inputs?.image) ? entry.inputs.image.from : undefined;
    if (from && file.nodes[from]?.type === 'LoadImage') found.push({ maskId: id, loaderId: from });
  }
  return found;
}

/** The pair holding picture node `pictureId`'s mask, or undefined. */
export function findMaskPair(file, pictureId) {
  const picture = literal(file.nodes[pictureId]?.inputs?.path);
  if (typeof picture !== 'string') return undefined;
  return pairs(file).find((p) => p.loaderId !== pictureId && isMaskOf(literal(file.nodes[p.loaderId].inputs?.path), picture));
}

/** The picture node a mask LoadImage belongs to (by name), or undefined. */
export function pictureOfMask(file, loaderId) {
  const mask = literal(file.nodes[loaderId]?.inputs?.path);
  return Object.entries(file.nodes).find(([id, e]) => id !== loaderId && e.type === 'LoadImage'
    && typeof literal(e.inputs?.path) === 'string' && isMaskOf(mask, literal(e.inputs.path)))?.[0];
}

function freshId(file, base) {
  let id = base;
  for (let i = 2; Object.hasOwn(file.nodes, id); i++) id = `${base}${i}`;
  return id;
}

/** Nodes P's output flows into (links followed downstream). */
function downstream(file, start) {
  const seen = new Set([start]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [id, entry] of Object.entries(file.nodes)) {
      if (seen.has(id)) continue;
      if (Object.values(entry.inputs ?? {}).some((v) => isLink(v) && seen.has(v.from))) {
        seen.add(id);
        grew = true;
      }
    }
  }
  seen.delete(start);
  return seen;
}

/**
 * A copy of `file` whose picture node `pictureId` uses the mask file `maskName`. `inputType(type, input)` gives the
 * port type of a node type's input. Returns { file, loaderId, maskId, rewired: ["node.input"] }.
 */
export function applyMask(file, pictureId, maskName, inputType) {
  const out = structuredClone(file);
  const pair = findMaskPair(out, pictureId);
  if (pair) {
    out.nodes[pair.loaderId].inputs = { ...out.nodes[pair.loaderId].inputs, path: maskName };
    return { file: out, ...pair, rewired: [] };
  }
  const loaderId = freshId(out, `${pictureId}_mask_image`);
  out.nodes[loaderId] = { type: 'LoadImage', version: 1, inputs: { path: maskName } };
  const maskId = freshId(out, `${pictureId}_mask`);
  out.nodes[maskId] = { type: 'ImageToMask', version: 1, inputs: { image: { from: loaderId, output: 'image' }, channel: 'luminance', invert: false } };
  const pos = out.editor?.nodes?.[pictureId]?.pos;
  if (out.editor?.nodes && Array.isArray(pos)) {
    out.editor.nodes[loaderId] = { pos: [pos[0], pos[1] + PAIR_OFFSET_Y] };
    out.editor.nodes[maskId] = { pos: [pos[0] + 300, pos[1] + PAIR_OFFSET_Y] };
  }
  const rewired = [];
  for (const id of downstream(out, pictureId)) {
    const entry = out.nodes[id];
    for (const name of Object.keys(entry.inputs ?? {})) {
      if (inputType(entry.type, name) !== 'MASK') continue;
      entry.inputs[name] = { from: maskId, output: 'mask' };
      rewired.push(`${id}.${name}`);
    }
  }
  return { file: out, loaderId, maskId, rewired };
}
