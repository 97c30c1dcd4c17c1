// The file picker of inputs whose schema names a list (`x-choices`: models, residuals, layouts, inputs), as ComfyUI's
// combos: the arrows step through the list, a click opens it as a menu (plus "Type a path…" for anything else).
// A value the list lacks (a graph made elsewhere, a typed path) stays shown, marked, first in the list (also after
// another entry was chosen, so it can be chosen back) and saved unchanged: the widget's value is the plain string the
// graph file holds, and only a user's choice changes it.
import { choicesFor, choicesTruncated } from './choices.js';
import { drawField, TEXT_MARGIN } from './text-layout.js';

const LiteGraph = globalThis.LiteGraph;
/** Clicks this close to an end step through the list (litegraph's combo uses the same zone). */
const ARROW_ZONE = 40;
const ARROW_INSET = 6;
const MISSING_COLOR = '#e9b96e';
export const MISSING_NOTE = 'not in the list';

const KEPT_MAX = 20;
const isValue = (v) => typeof v === 'string' && v !== '';

/**
 * What the menu and the arrows offer: the values the widget held that the list lacks (`kept`, and the current one),
 * then the list.
 */
export function pickerOptions(kind, value, kept = []) {
  const list = choicesFor(kind);
  const extra = [...kept, value].filter((v, i, all) => isValue(v) && !list.includes(v) && all.indexOf(v) === i);
  return [...extra, ...list];
}

// litegraph's menu writes entry titles as HTML: file names are data, never markup.
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function drawArrows(ctx, width, y, H) {
  ctx.fillStyle = LiteGraph.WIDGET_TEXT_COLOR;
  ctx.beginPath();
  ctx.moveTo(TEXT_MARGIN + 16, y + 5);
  ctx.lineTo(TEXT_MARGIN + 6, y + H * 0.5);
  ctx.lineTo(TEXT_MARGIN + 16, y + H - 5);
  ctx.fill();
  ctx.beginPath();
  ctx.moveTo(width - TEXT_MARGIN - 16, y + 5);
  ctx.lineTo(width - TEXT_MARGIN - 6, y + H * 0.5);
  ctx.lineTo(width - TEXT_MARGIN - 16, y + H - 5);
  ctx.fill();
}

/**
 * A litegraph custom widget for the list `kind`. `onChange(value)` is called after every choice the user makes.
 * `widget.conesChoose(value)` makes a choice from code (an upload, a drop); `widget.conesOptions()` lists the offer.
 */
export function pickerWidget(kind, label, value, onChange) {
  let lastNode;
  /** Values this widget held (from a file, or typed) that the list lacked: offered again after another choice. */
  const kept = [];
  const keep = (v) => {
    if (isValue(v) && !kept.includes(v) && !choicesFor(kind).includes(v)) kept.push(v);
    if (kept.length > KEPT_MAX) kept.shift();
  };
  keep(value);
  const w = {
    type: 'cones-picker',
    name: label,
    value,
    options: {},
    conesChoices: kind,
    conesOptions: () => pickerOptions(kind, w.value, kept),
    /** True when `v` (default: the value) is set but the server's list lacks it. */
    conesMissing: (v = w.value) => isValue(v) && !choicesFor(kind).includes(v),
    /** Sets the value from a file (graph-io.js): a value the list lacks is kept on offer. */
    conesSet(v) {
      keep(v);
      w.value = v;
    },
    conesChoose(v) {
      keep(v);
      w.value = v;
      onChange(v);
      lastNode?.setDirtyCanvas(true, true);
    },
    draw(ctx, node, width, y, H) {
      lastNode = node;
      drawField(ctx, w, {
        label, text: w.value === '' ? '(none)' : (w.value ?? ''), width, y, H, inset: ARROW_INSET,
        valueColor: w.conesMissing() ? MISSING_COLOR : undefined, decorate: () => drawArrows(ctx, width, y, H),
      });
    },
    mouse(event, pos, node) {
      lastNode = node;
      if (event.type !== `${LiteGraph.pointerevents_method}down`) return false;
      const width = w.width || node.size[0];
      const delta = pos[0] < ARROW_ZONE ? -1 : pos[0] > width - ARROW_ZONE ? 1 : 0;
      const offer = w.conesOptions();
      if (delta) {
        if (!offer.length) return true;
        const at = Math.min(offer.length - 1, Math.max(0, offer.indexOf(w.value) + delta));
        if (offer[at] !== w.value) w.conesChoose(offer[at]);
        return true;
      }
      openMenu(w, offer, event, node);
      return true;
    },
  };
  return w;
}

function openMenu(w, offer, event, node) {
  const canvas = globalThis.LGraphCanvas.active_canvas;
  const items = offer.map((v) => ({
    content: v,
    title: escapeHtml(v) + (w.conesMissing(v) ? ` <em>(${MISSING_NOTE})</em>` : ''),
    className: v === w.value ? 'cones-current' : undefined,
    callback: () => w.conesChoose(v),
  }));
  if (!offer.length) items.push({ content: 'empty', title: 'No files on the server yet: upload one, or Refresh lists', disabled: true });
  if (choicesTruncated()) items.push({ content: 'truncated', title: 'The server lists at most 500 files per list: type a path for others', disabled: true });
  items.push(null, {
    content: 'Type a path…',
    title: 'Type a path…',
    className: 'cones-type-path',
    callback: () => canvas.prompt('Value', w.value, (v) => {
      if (typeof v === 'string' && v.trim() !== '') w.conesChoose(v.trim());
      node.setDirtyCanvas(true, true);
    }, event, false),
  });
  new LiteGraph.ContextMenu(items, { event, className: 'dark cones-picker-menu', scale: Math.max(1, canvas.ds.scale) });
}
