// Image nodes in the editor: a thumbnail of the chosen file on LoadImage nodes (the served file URL
// /api/files/inputs/NAME), and a "Paint mask…" button on LoadImage (the mask of that picture) and on ImageToMask
// fed by a LoadImage (that LoadImage's mask, over the picture it belongs to). Saving uploads the mask PNG into the
// inputs folder (POST /api/upload/inputs) and points the graph at it (mask-pair.js) as one undoable edit.
import { fileUrl } from './api.js';
import { applyMask, findMaskPair, maskFileName, pictureOfMask } from './mask-pair.js';
import { paintMask } from './mask-painter.js';
import { descriptionOf } from './node-types.js';
import { describeError, uploadFile } from './upload.js';

const THUMB_HEIGHT = 120;
const THUMB_MARGIN = 10;

/** The served URL of an inputs-folder file named by a graph's path value, or undefined when it cannot be one. */
export function inputUrl(path) {
  if (typeof path !== 'string' || !path || path.startsWith('/') || path.includes('\\')) return undefined;
  const parts = path.split('/');
  if (parts.some((p) => p === '..' || p === '')) return undefined;
  return fileUrl(`/api/files/inputs/${parts.map(encodeURIComponent).join('/')}`);
}

/** A widget drawing the thumbnail of the node's `path` value (kept below the other widgets). */
function previewWidget(node) {
  let shown;
  let image;
  let failed = false;
  return {
    type: 'cones-preview',
    name: 'preview',
    value: null,
    options: { serialize: false },
    computeSize: (width) => [width, THUMB_HEIGHT],
    draw(ctx, _node, width, y) {
      const path = node.widgets.find((w) => w.conesInput === 'path')?.value;
      if (path !== shown) {
        shown = path;
        image = undefined;
        failed = false;
        const url = inputUrl(path);
        if (url) {
          const img = new Image();
          img.onload = () => { if (shown === path) { image = img; node.setDirtyCanvas(true, true); } };
          img.onerror = () => { if (shown === path) { failed = true; node.setDirtyCanvas(true, true); } };
          img.src = url;
        }
      }
      this.conesLoaded = !!image;
      const h = THUMB_HEIGHT - THUMB_MARGIN;
      if (!image) {
        ctx.fillStyle = '#888';
        ctx.textAlign = 'center';
        ctx.fillText(failed || !inputUrl(path) ? 'no preview' : 'loading…', width / 2, y + h / 2);
        return;
      }
      const scale = Math.min((width - 2 * THUMB_MARGIN) / image.naturalWidth, h / image.naturalHeight);
      const w = image.naturalWidth * scale;
      ctx.drawImage(image, (width - w) / 2, y + 4, w, image.naturalHeight * scale);
    },
  };
}

/** ctx: { graph, current() -> the canvas as a file, openAsEdit(file, source), status, log, redraw }. */
export function createMaskUi(ctx) {
  const inputType = (type, name) => descriptionOf.get(type)?.inputs.find((i) => i.name === name)?.type;
  const fail = (text) => {
    ctx.status(text, true);
    ctx.log(text, 'error');
  };

  async function upload(blob, name) {
    return uploadFile('inputs', new File([blob], name, { type: 'image/png' }));
  }

  /** Paints the mask of picture node `pictureId`; resolves with the saved file name, or undefined. */
  async function paintFor(pictureId) {
    const file = ctx.current();
    const path = file.nodes[pictureId]?.inputs?.path;
    if (!inputUrl(path)) return void fail(`mask of ${pictureId}: Paint mask works on images in the server's inputs folder: choose or upload one first.`);
    const pair = findMaskPair(file, pictureId);
    const maskPath = pair ? file.nodes[pair.loaderId].inputs.path : undefined;
    try {
      const blob = await paintMask({ pictureUrl: inputUrl(path), maskUrl: inputUrl(maskPath), title: `Mask of ${pictureId}` });
      if (!blob) return undefined;
      const saved = await upload(blob, maskFileName(path));
      const result = applyMask(ctx.current(), pictureId, saved.name, inputType);
      ctx.openAsEdit(result.file, `mask ${saved.name}`);
      const where = result.rewired.length ? `, feeds ${result.rewired.join(', ')}` : '';
      ctx.status(`mask saved: ${saved.name}`);
      ctx.log(`mask of ${pictureId} saved as ${saved.name} (read by ${result.loaderId} -> ${result.maskId}${where})`);
      return saved.name;
    } catch (err) {
      fail(`mask of ${pictureId}: ${err.code ? describeError(err) : err.message}`);
      return undefined;
    }
  }

  /** Paints the mask read by ImageToMask node `maskId` (its LoadImage's file, over the picture it belongs to). */
  async function paintInto(maskId) {
    const file = ctx.current();
    const link = file.nodes[maskId]?.inputs?.image;
    const loaderId = link?.from;
    if (file.nodes[loaderId]?.type !== 'LoadImage') return void fail(`${maskId}: Paint mask needs a LoadImage feeding its image input.`);
    const maskPath = file.nodes[loaderId].inputs?.path;
    const pictureId = pictureOfMask(file, loaderId);
    try {
      const blob = await paintMask({ pictureUrl: inputUrl(file.nodes[pictureId]?.inputs?.path), maskUrl: inputUrl(maskPath), title: `Mask read by ${maskId}` });
      if (!blob) return undefined;
      const name = pictureId ? maskFileName(file.nodes[pictureId].inputs.path) : maskFileName(maskPath ?? maskId);
      const saved = await upload(blob, name);
      const edited = ctx.current();
      edited.nodes[loaderId].inputs = { ...edited.nodes[loaderId].inputs, path: saved.name };
      ctx.openAsEdit(edited, `mask ${saved.name}`);
      ctx.status(`mask saved: ${saved.name}`);
      return saved.name;
    } catch (err) {
      fail(`mask for ${maskId}: ${err.code ? describeError(err) : err.message}`);
      return undefined;
    }
  }

  /** Adds the preview and the Paint mask button to the image nodes as they are made. */
  function extend(node) {
    const type = node.conesDesc?.type;
    if (type === 'LoadImage') {
      node.addWidget('button', 'Paint mask…', null, () => { paintFor(node.conesId); });
      node.addCustomWidget(previewWidget(node));
    } else if (type === 'ImageToMask') {
      node.addWidget('button', 'Paint mask…', null, () => { paintInto(node.conesId); });
    }
  }

  return { extend, drawForeground: () => {}, paintFor, paintInto };
}
