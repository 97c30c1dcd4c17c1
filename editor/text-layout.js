// Where a one-line widget draws its label and its value: the label on the left, the value right-aligned in the room
// left over, shortened from its start ("…/residuals/circle.safetensors": the end of a path says the most). Shared by
// the text widget (widgets.js) and the file picker (picker-widget.js), so neither draws its value over its label,
// and so is the drawing of that field (drawField).

export const TEXT_MARGIN = 15;
const TEXT_GAP = 10;

/**
 * Returns x ranges in widget space and the text to draw; `inset` keeps room on both sides (the picker's arrows).
 * Exported so the tests can check that the two never overlap.
 */
export function textLayout(measure, label, value, width, inset = 0) {
  const left = TEXT_MARGIN * 2 + inset;
  const right = width - TEXT_MARGIN * 2 - inset;
  const labelWidth = measure(label);
  const room = Math.max(0, right - (left + labelWidth + TEXT_GAP));
  let text = String(value);
  if (measure(text) > room) {
    let keep = text.length;
    while (keep > 0 && measure(`…${text.slice(text.length - keep)}`) > room) keep--;
    text = keep > 0 ? `…${text.slice(text.length - keep)}` : '';
  }
  const valueWidth = measure(text);
  return { label: [left, left + labelWidth], value: [right - valueWidth, right], text };
}

/**
 * Draws widget `w` as litegraph draws its text widget (rounded frame, label left, value right) with textLayout's
 * layout, which it keeps on `w.conesLayout` for hit tests. `decorate()` draws inside the frame of an enabled widget
 * (the picker's arrows); `valueColor` overrides the value's colour.
 */
export function drawField(ctx, w, { label, text, width, y, H, inset = 0, valueColor, decorate }) {
  const LiteGraph = globalThis.LiteGraph;
  ctx.save();
  ctx.strokeStyle = LiteGraph.WIDGET_OUTLINE_COLOR;
  ctx.fillStyle = LiteGraph.WIDGET_BGCOLOR;
  ctx.beginPath();
  ctx.roundRect(TEXT_MARGIN, y, width - TEXT_MARGIN * 2, H, [H * 0.5]);
  ctx.fill();
  if (!w.disabled) {
    ctx.stroke();
    decorate?.();
  }
  const layout = textLayout((t) => ctx.measureText(t).width, label, text, width, inset);
  w.conesLayout = layout;
  ctx.fillStyle = LiteGraph.WIDGET_SECONDARY_TEXT_COLOR;
  ctx.textAlign = 'left';
  ctx.fillText(label, layout.label[0], y + H * 0.7);
  ctx.fillStyle = valueColor ?? LiteGraph.WIDGET_TEXT_COLOR;
  ctx.fillText(layout.text, layout.value[0], y + H * 0.7);
  ctx.restore();
}
