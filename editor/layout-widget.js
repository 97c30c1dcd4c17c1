// The LayoutBoxes `boxes` input on the node: a small drawing of the boxes; a click opens the layout editor.
import { openLayoutEditor } from './layout-editor.js';

const PREVIEW_HEIGHT = 110;
export const BOX_COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45'];
const STOP_WORDS = new Set(['a', 'an', 'the', 'and', 'of', 'with', 'in', 'on', 'at', 'to', 'is', 'next', 'left', 'right']);

/** Words the user can pick a phrase from: every word of every prompt-like text in the graph (textarea inputs). */
export function promptWords(graph) {
  const words = [];
  for (const node of graph._nodes) {
    for (const w of node.widgets ?? []) {
      const input = node.conesDesc?.inputs.find((i) => i.name === w.conesInput);
      if (input?.schema?.['x-widget'] !== 'textarea' || typeof w.value !== 'string') continue;
      for (const word of w.value.toLowerCase().split(/[^\p{L}\p{N}_-]+/u)) {
        if (word && !STOP_WORDS.has(word) && !words.includes(word)) words.push(word);
      }
    }
  }
  return words;
}

/** Width / height of the image the layout is for: the first downstream node with width and height set, else 1. */
export function layoutAspect(graph, node) {
  for (const linkId of node.outputs?.[0]?.links ?? []) {
    const target = graph.getNodeById(graph.links[linkId].target_id);
    const get = (name) => target?.widgets?.find((w) => w.conesInput === name)?.value;
    if (get('width') > 0 && get('height') > 0) return get('width') / get('height');
  }
  return 1;
}

export function layoutWidget(node, input, value, done) {
  const strength = input.schema.items?.properties?.strength?.default ?? 2.5;
  const w = {
    type: 'cones-layout',
    name: input.name,
    value,
    computeSize: (width) => [width, PREVIEW_HEIGHT + 8],
    draw(ctx, _node, width, y) {
      const aspect = layoutAspect(node.graph, node);
      const h = PREVIEW_HEIGHT - 16;
      const bw = Math.min(width - 24, h * aspect);
      const bh = bw / aspect;
      const x0 = (width - bw) / 2;
      const y0 = y + 4;
      ctx.fillStyle = '#111';
      ctx.fillRect(x0, y0, bw, bh);
      ctx.strokeStyle = '#555';
      ctx.strokeRect(x0, y0, bw, bh);
      ctx.font = '11px sans-serif';
      (w.value ?? []).forEach((b, i) => {
        const [a, c, d, e] = b.box;
        ctx.strokeStyle = ctx.fillStyle = BOX_COLORS[i % BOX_COLORS.length];
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 + a * bw, y0 + c * bh, (d - a) * bw, (e - c) * bh);
        ctx.fillText(b.phrase, x0 + a * bw + 3, y0 + c * bh + 12);
      });
      ctx.lineWidth = 1;
      ctx.fillStyle = '#999';
      ctx.textAlign = 'center';
      ctx.fillText(`${(w.value ?? []).length} box(es): click to edit layout`, width / 2, y0 + bh + 11);
      ctx.textAlign = 'left';
    },
    mouse(event) {
      if (event.type !== `${globalThis.LiteGraph.pointerevents_method}down`) return false;
      openLayoutEditor({
        title: `Layout: ${node.conesId ?? node.title}`,
        boxes: w.value ?? [],
        aspect: layoutAspect(node.graph, node),
        words: promptWords(node.graph),
        defaultStrength: strength,
        onApply: (boxes) => {
          w.value = boxes;
          done();
          node.setDirtyCanvas(true, true);
        },
      });
      return true;
    },
  };
  return w;
}
