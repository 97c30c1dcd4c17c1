// The mask painter: an overlay over the picture with brush, eraser, brush size, invert, clear, Save and Cancel.
// The mask is painted at the picture's own size; painted pixels are shown as a translucent red over the picture and
// saved as a PNG, white = repaint, black = keep (what ImageToMask with channel luminance reads).

const MASK_COLOR = 'rgba(255, 48, 48, 1)';
const DEFAULT_BRUSH = 24;

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`Cannot load ${decodeURI(url.split('?')[0])}: Paint mask works on images in the server's inputs folder (upload the picture with the node's upload button first).`));
    img.src = url;
  });
}

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/**
 * Opens the painter over `pictureUrl` (or a black picture of the mask's size when there is none), starting from the
 * mask at `maskUrl` when given. Resolves with a PNG Blob of the mask on Save, or undefined on Cancel.
 */
export async function paintMask({ pictureUrl, maskUrl, title = 'Paint mask' }) {
  const picture = pictureUrl ? await loadImage(pictureUrl) : undefined;
  const start = maskUrl ? await loadImage(maskUrl).catch(() => undefined) : undefined;
  const width = picture?.naturalWidth ?? start?.naturalWidth ?? 512;
  const height = picture?.naturalHeight ?? start?.naturalHeight ?? 512;

  // The painted coverage lives in `mask`'s alpha channel (drawn in MASK_COLOR, shown at 55% over the picture).
  const mask = el('canvas', { width, height, className: 'mask-layer' });
  const mctx = mask.getContext('2d', { willReadFrequently: true });
  if (start) {
    const tmp = el('canvas', { width, height });
    const t = tmp.getContext('2d', { willReadFrequently: true });
    t.drawImage(start, 0, 0, width, height);
    const src = t.getImageData(0, 0, width, height);
    const dst = mctx.createImageData(width, height);
    for (let i = 0; i < src.data.length; i += 4) {
      dst.data.set([255, 48, 48, Math.round((src.data[i] + src.data[i + 1] + src.data[i + 2]) / 3)], i);
    }
    mctx.putImageData(dst, 0, 0);
  }
  const back = el('canvas', { width, height, className: 'mask-picture' });
  const bctx = back.getContext('2d');
  bctx.fillStyle = '#000';
  bctx.fillRect(0, 0, width, height);
  if (picture) bctx.drawImage(picture, 0, 0);

  const brush = el('input', { type: 'radio', name: 'mask-tool', id: 'mask-brush', checked: true });
  const eraser = el('input', { type: 'radio', name: 'mask-tool', id: 'mask-eraser' });
  const size = el('input', { type: 'range', id: 'mask-size', min: 1, max: 200, value: DEFAULT_BRUSH });
  const invert = el('button', { id: 'mask-invert', textContent: 'Invert' });
  const clear = el('button', { id: 'mask-clear', textContent: 'Clear' });
  const save = el('button', { id: 'mask-save', className: 'primary', textContent: 'Save mask' });
  const cancel = el('button', { id: 'mask-cancel', textContent: 'Cancel' });
  const stage = el('div', { className: 'mask-stage' }, back, mask);
  stage.style.setProperty('--mask-aspect', String(width / height));
  const overlay = el('div', { id: 'mask-painter', className: 'mask-overlay' },
    el('div', { className: 'mask-dialog' },
      el('div', { className: 'mask-tools' },
        el('strong', { textContent: title }),
        el('label', {}, brush, ' brush'), el('label', {}, eraser, ' eraser'),
        el('label', {}, 'size ', size), invert, clear, el('span', { className: 'spacer' }), cancel, save),
      stage));
  document.body.append(overlay);

  let last = null;
  const toMask = (event) => {
    const r = mask.getBoundingClientRect();
    return [((event.clientX - r.left) * width) / r.width, ((event.clientY - r.top) * height) / r.height];
  };
  const stroke = (from, to) => {
    mctx.save();
    mctx.globalCompositeOperation = eraser.checked ? 'destination-out' : 'source-over';
    mctx.strokeStyle = MASK_COLOR;
    mctx.lineWidth = Number(size.value) * (width / mask.getBoundingClientRect().width);
    mctx.lineCap = 'round';
    mctx.beginPath();
    mctx.moveTo(from[0], from[1]);
    mctx.lineTo(to[0] + 0.01, to[1]);
    mctx.stroke();
    mctx.restore();
  };
  mask.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    mask.setPointerCapture?.(e.pointerId);
    last = toMask(e);
    stroke(last, last);
  });
  mask.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = toMask(e);
    stroke(last, p);
    last = p;
  });
  const up = () => { last = null; };
  mask.addEventListener('pointerup', up);
  mask.addEventListener('pointercancel', up);
  invert.onclick = () => {
    const d = mctx.getImageData(0, 0, width, height);
    for (let i = 0; i < d.data.length; i += 4) d.data.set([255, 48, 48, 255 - d.data[i + 3]], i);
    mctx.putImageData(d, 0, 0);
  };
  clear.onclick = () => mctx.clearRect(0, 0, width, height);

  return new Promise((resolve) => {
    const done = (value) => {
      overlay.remove();
      resolve(value);
    };
    cancel.onclick = () => done(undefined);
    save.onclick = () => {
      // White where painted (alpha), black elsewhere: an opaque greyscale PNG.
      const out = el('canvas', { width, height });
      const o = out.getContext('2d');
      const d = mctx.getImageData(0, 0, width, height);
      const img = o.createImageData(width, height);
      for (let i = 0; i < d.data.length; i += 4) {
        const a = d.data[i + 3];
        img.data.set([a, a, a, 255], i);
      }
      o.putImageData(img, 0, 0);
      out.toBlob((blob) => done(blob), 'image/png');
    };
  });
}
