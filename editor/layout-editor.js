// The layout editor: a dialog over a canvas with the output image's aspect, where each subject gets one box.
// Drag on empty space to draw a box, drag a box to move it, drag a corner to resize it; pick its phrase from
// the prompt's words (or type one) and set its strength. Boxes are [x0, y0, x1, y1] fractions, top-left origin.
import { BOX_COLORS } from './layout-widget.js';

const CANVAS_MAX = 440;
const HANDLE_PX = 9;
const MIN_BOX = 0.02;
const DECIMALS = 1000;

const clamp01 = (v) => Math.min(1, Math.max(0, v));
const round = (v) => Math.round(v * DECIMALS) / DECIMALS;

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  for (const c of children) e.append(c);
  return e;
}

/** Which part of which box is under a point: a corner handle (resize) beats the inside (move); last drawn first. */
function hitTest(boxes, point, size) {
  for (let i = boxes.length - 1; i >= 0; i--) {
    const [x0, y0, x1, y1] = boxes[i].box;
    const corners = [[x0, y0, 0, 1], [x1, y0, 2, 1], [x0, y1, 0, 3], [x1, y1, 2, 3]];
    for (const [cx, cy, xi, yi] of corners) {
      const onHandle = Math.abs((cx - point[0]) * size[0]) <= HANDLE_PX && Math.abs((cy - point[1]) * size[1]) <= HANDLE_PX;
      if (onHandle) return { index: i, mode: 'resize', xi, yi };
    }
  }
  for (let i = boxes.length - 1; i >= 0; i--) {
    const [x0, y0, x1, y1] = boxes[i].box;
    if (point[0] >= x0 && point[0] <= x1 && point[1] >= y0 && point[1] <= y1) return { index: i, mode: 'move' };
  }
  return null;
}

export function openLayoutEditor({ title, boxes: initial, aspect, words, defaultStrength, onApply }) {
  const boxes = structuredClone(initial).map((b) => ({ strength: defaultStrength, ...b }));
  let selected = boxes.length ? 0 : -1;
  const size = aspect >= 1 ? [CANVAS_MAX, Math.round(CANVAS_MAX / aspect)] : [Math.round(CANVAS_MAX * aspect), CANVAS_MAX];

  const canvas = el('canvas', { width: size[0], height: size[1], className: 'layout-canvas' });
  const list = el('div', { className: 'boxes' });
  const wordBar = el('div', { className: 'words' });
  const datalist = el('datalist', { id: `layout-words-${Date.now()}` });
  for (const word of words) datalist.append(el('option', { value: word }));
  const apply = el('button', { className: 'primary', textContent: 'Apply' });
  const cancel = el('button', { textContent: 'Cancel' });
  const dialog = el('div', { className: 'dialog layout-editor' },
    el('h3', { textContent: title }),
    el('div', {
      className: 'hint',
      textContent: 'Drag on empty space to draw a box, drag a box to move it, drag a corner to resize. One box per subject.',
    }),
    el('div', { className: 'row' }, canvas,
      el('div', {}, list, el('div', { className: 'hint', textContent: 'Phrase for the selected box:' }), wordBar)),
    datalist,
    el('div', { className: 'actions' }, cancel, apply));
  const backdrop = el('div', { className: 'dialog-backdrop' }, dialog);
  document.body.append(backdrop);

  const usedOrFirst = () => words.find((w) => !boxes.some((b) => b.phrase === w)) ?? words[0] ?? 'subject';

  function draw() {
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, size[0], size[1]);
    g.strokeStyle = '#333';
    for (let i = 1; i < 4; i++) {
      g.beginPath(); g.moveTo((size[0] * i) / 4, 0); g.lineTo((size[0] * i) / 4, size[1]);
      g.moveTo(0, (size[1] * i) / 4); g.lineTo(size[0], (size[1] * i) / 4); g.stroke();
    }
    g.font = '14px sans-serif';
    boxes.forEach((b, i) => {
      const [x0, y0, x1, y1] = b.box;
      const color = BOX_COLORS[i % BOX_COLORS.length];
      g.fillStyle = `${color}33`;
      g.fillRect(x0 * size[0], y0 * size[1], (x1 - x0) * size[0], (y1 - y0) * size[1]);
      g.strokeStyle = g.fillStyle = color;
      g.lineWidth = i === selected ? 3 : 1.5;
      g.strokeRect(x0 * size[0], y0 * size[1], (x1 - x0) * size[0], (y1 - y0) * size[1]);
      g.fillText(`${b.phrase} ×${b.strength}`, x0 * size[0] + 5, y0 * size[1] + 17);
      if (i === selected) {
        for (const [cx, cy] of [[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) g.fillRect(cx * size[0] - 4, cy * size[1] - 4, 8, 8);
      }
    });
  }

  // Selecting only restyles the rows: rebuilding them would eat the click or the focus that selected them.
  function select(index) {
    selected = index;
    [...list.children].forEach((row, j) => row.classList.toggle('selected', j === index));
    draw();
  }

  function renderList() {
    list.replaceChildren(...boxes.map((b, i) => {
      const phrase = el('input', { value: b.phrase, className: 'phrase', title: 'The words of the prompt this box places' });
      phrase.setAttribute('list', datalist.id);
      phrase.oninput = () => { b.phrase = phrase.value; draw(); };
      const strength = el('input', {
        type: 'number', value: b.strength, min: 0, max: 100, step: 0.1, className: 'strength', title: 'strength (positive boost)',
      });
      strength.oninput = () => {
        if (strength.value !== '' && Number.isFinite(Number(strength.value))) b.strength = Number(strength.value);
        draw();
      };
      const del = el('button', { textContent: '×', title: 'Delete this box', className: 'delete' });
      del.onclick = (event) => {
        event.stopPropagation();
        boxes.splice(i, 1);
        selected = Math.min(selected, boxes.length - 1);
        renderList();
        draw();
      };
      const swatch = el('span', { className: 'swatch', style: `background:${BOX_COLORS[i % BOX_COLORS.length]}` });
      const row = el('div', { className: `box-row${i === selected ? ' selected' : ''}` }, swatch, phrase, strength, del);
      row.onpointerdown = () => select(i);
      return row;
    }));
    wordBar.replaceChildren(...words.map((word) => {
      const b = el('button', { textContent: word });
      b.onclick = () => { if (boxes[selected]) { boxes[selected].phrase = word; renderList(); draw(); } };
      return b;
    }));
  }

  let drag = null;
  const point = (event) => {
    const r = canvas.getBoundingClientRect();
    return [clamp01((event.clientX - r.left) / r.width), clamp01((event.clientY - r.top) / r.height)];
  };
  canvas.onpointerdown = (event) => {
    canvas.setPointerCapture(event.pointerId);
    const p = point(event);
    const hit = hitTest(boxes, p, size);
    if (hit) {
      selected = hit.index;
      drag = { ...hit, start: p, box: boxes[hit.index].box.slice() };
    } else {
      boxes.push({ phrase: usedOrFirst(), box: [p[0], p[1], p[0], p[1]], strength: defaultStrength });
      selected = boxes.length - 1;
      drag = { index: selected, mode: 'resize', xi: 2, yi: 3, start: p, box: boxes[selected].box.slice(), created: true };
    }
    renderList();
    draw();
  };
  canvas.onpointermove = (event) => {
    if (!drag) return;
    const p = point(event);
    const b = boxes[drag.index].box;
    if (drag.mode === 'move') {
      const [x0, y0, x1, y1] = drag.box;
      const dx = Math.min(Math.max(p[0] - drag.start[0], -x0), 1 - x1);
      const dy = Math.min(Math.max(p[1] - drag.start[1], -y0), 1 - y1);
      boxes[drag.index].box = [x0 + dx, y0 + dy, x1 + dx, y1 + dy];
    } else {
      b[drag.xi] = p[0];
      b[drag.yi] = p[1];
    }
    draw();
  };
  canvas.onpointerup = () => {
    if (!drag) return;
    const b = boxes[drag.index];
    const [x0, y0, x1, y1] = b.box;
    b.box = [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
    if (b.box[2] - b.box[0] < MIN_BOX || b.box[3] - b.box[1] < MIN_BOX) {
      if (drag.created) boxes.splice(drag.index, 1);
      else b.box = drag.box;
      selected = Math.min(selected, boxes.length - 1);
    }
    drag = null;
    renderList();
    draw();
  };

  const close = () => { backdrop.remove(); document.removeEventListener('keydown', onKey, true); };
  const onKey = (e) => { if (e.key === 'Escape') close(); e.stopPropagation(); };
  document.addEventListener('keydown', onKey, true);
  cancel.onclick = close;
  apply.onclick = () => {
    onApply(boxes.map((b) => ({ phrase: b.phrase.trim() || usedOrFirst(), box: b.box.map(round), strength: b.strength })));
    close();
  };
  renderList();
  draw();
}
