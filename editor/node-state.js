// What a run shows on a node, drawn in litegraph's foreground pass: a progress bar under the title, a running
// outline, the live preview or output images, the node's text result, and its error in red.
// node.conesState = { running, cached, progress: [value, max], images: [HTMLImageElement], text, error }.

const LG = globalThis.LiteGraph;
const IMAGE_MAX_HEIGHT = 256;
const TEXT_LINE = 14;
const COLORS = { progress: '#4c4', running: '#6c6', error: '#f55', cached: '#888', text: '#ccc', id: '#8a8a8a' };

/** The y (node space) where content below the widgets and slots can start. */
function contentTop(node) {
  let y = Math.max(node.inputs?.length ?? 0, node.outputs?.length ?? 0) * LG.NODE_SLOT_HEIGHT + 6;
  for (const w of node.widgets ?? []) {
    if (w.last_y !== undefined) y = Math.max(y, w.last_y + (w.computeSize ? w.computeSize(node.size[0])[1] : LG.NODE_WIDGET_HEIGHT) + 4);
  }
  return y;
}

function wrap(ctx, text, width) {
  const lines = [];
  for (const para of String(text).split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (ctx.measureText(next).width > width && line) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines.slice(0, 8);
}

/** Grows the node (never shrinks it) so drawn content fits. */
function ensureHeight(node, height) {
  if (node.size[1] < height) node.setSize([node.size[0], height]);
}

export function drawNodeState(node, ctx) {
  const s = node.conesState ?? {};
  const w = node.size[0];
  if (node.conesId) {
    ctx.font = '11px sans-serif';
    ctx.fillStyle = COLORS.id;
    ctx.textAlign = 'right';
    ctx.fillText(`#${node.conesId}`, w - 8, -LG.NODE_TITLE_HEIGHT / 2 + 4);
    ctx.textAlign = 'left';
  }
  if (s.running || s.error) {
    ctx.strokeStyle = s.error ? COLORS.error : COLORS.running;
    ctx.lineWidth = 3;
    ctx.strokeRect(-2, -LG.NODE_TITLE_HEIGHT - 2, w + 4, node.size[1] + LG.NODE_TITLE_HEIGHT + 4);
  }
  if (s.progress) {
    const [value, max] = s.progress;
    ctx.fillStyle = '#333';
    ctx.fillRect(0, 0, w, 5);
    ctx.fillStyle = COLORS.progress;
    ctx.fillRect(0, 0, max > 0 ? (w * Math.min(value, max)) / max : 0, 5);
  }
  let y = contentTop(node);
  ctx.font = '12px sans-serif';
  const lines = [];
  if (s.cached) lines.push({ text: 'cached', color: COLORS.cached });
  if (s.text) lines.push({ text: s.text, color: COLORS.text });
  if (s.error) lines.push({ text: s.error, color: COLORS.error });
  for (const { text, color } of lines) {
    ctx.fillStyle = color;
    for (const line of wrap(ctx, text, w - 16)) {
      ctx.fillText(line, 8, y + 11);
      y += TEXT_LINE;
    }
  }
  const images = (s.images ?? []).filter((img) => img.complete && img.naturalWidth > 0);
  for (const img of images) {
    const scale = Math.min((w - 16) / img.naturalWidth, IMAGE_MAX_HEIGHT / img.naturalHeight);
    const dw = img.naturalWidth * scale;
    const dh = img.naturalHeight * scale;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, (w - dw) / 2, y + 4, dw, dh);
    y += dh + 8;
  }
  ensureHeight(node, y + 4);
}

/** Replaces a node's images; the canvas redraws as each one finishes loading. */
export function setImages(node, urls, redraw) {
  node.conesState.images = urls.map((url) => {
    const img = new Image();
    img.onload = redraw;
    img.src = url;
    return img;
  });
  redraw();
}
