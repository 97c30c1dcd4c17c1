// One litegraph widget per literal-capable input, chosen from the input's JSON Schema (the server's /api/nodes):
// number/integer -> number with min/max/step, enum -> combo, boolean -> toggle, string -> text ('textarea' is
// multiline, 'seed' adds a "control after run" mode and a randomize button, 'path' a file/folder text), a string naming
// a list with `x-choices` -> a file picker fed by /api/choices (with an upload button for uploadable lists), 'layout'
// -> the box editor, anything else (objects, arrays) -> JSON text.
import { layoutWidget } from './layout-widget.js';
import { pickerWidget } from './picker-widget.js';
import { drawField, textLayout } from './text-layout.js';
import { pickFile, uploadFolderFor, uploadInto, UPLOAD_FOLDERS } from './upload.js';

export { textLayout };
export const CONTROL_MODES = ['fixed', 'increment', 'decrement', 'randomize'];
export const controlName = (inputName) => `${inputName}: after run`;

/** litegraph moves a number widget by 0.1 * options.step per click, so steps are passed ten times larger. */
const LiteGraph = globalThis.LiteGraph;
const LITEGRAPH_STEP_SCALE = 10;
const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** The value an input shows before anyone sets it: its default, else a neutral value of its type. */
export function initialValue(schema) {
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'integer' || schema.type === 'number') return Math.max(0, schema.minimum ?? 0);
  if (schema.type === 'boolean') return false;
  if (schema.type === 'string') return '';
  return null;
}

function numberStep(schema) {
  if (schema.type === 'integer') return 1;
  if (schema.multipleOf) return schema.multipleOf;
  const range = (schema.maximum ?? 100) - (schema.minimum ?? 0);
  return range <= 2 ? 0.01 : range <= 20 ? 0.1 : 0.5;
}

function clamp(value, schema) {
  if (schema.minimum !== undefined && value < schema.minimum) return schema.minimum;
  if (schema.maximum !== undefined && value > schema.maximum) return schema.maximum;
  return value;
}

/** A random integer in the schema's range (capped to [0, 2^53 - 1]). */
export function randomValue(schema) {
  const lo = Math.max(0, schema.minimum ?? 0);
  const hi = Math.min(MAX_SEED, schema.maximum ?? MAX_SEED);
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

/** The value after a run under a control mode (increment / decrement by `step`), kept inside the schema's range. */
export function controlledValue(mode, value, schema, step = 1) {
  const lo = schema.minimum ?? Number.MIN_SAFE_INTEGER;
  const hi = schema.maximum ?? Number.MAX_SAFE_INTEGER;
  if (mode === 'increment') return Math.min(hi, value + step);
  if (mode === 'decrement') return Math.max(lo, value - step);
  if (mode === 'randomize') return randomValue(schema);
  return value;
}

/** litegraph's text widget without the overlap: the same look and the same edit prompt, laid out by textLayout. */
function textWidget(label, value, onChange) {
  const w = {
    type: 'cones-text',
    name: label,
    value,
    options: {},
    draw(ctx, _node, width, y, H) {
      drawField(ctx, w, { label, text: w.value ?? '', width, y, H });
    },
    mouse(event, _pos, node) {
      if (event.type !== `${LiteGraph.pointerevents_method}down`) return false;
      globalThis.LGraphCanvas.active_canvas.prompt('Value', w.value, (v) => {
        w.value = v;
        onChange(v);
        node.setDirtyCanvas(true, true);
      }, event, false);
      return true;
    },
  };
  return w;
}

/** An "upload NAME…" button under `w`: a picked file is uploaded into `w.conesUpload` and `w` takes its name. */
function addUploadButton(node, w, accept, hooks) {
  // A plain function: litegraph drops callbacks whose constructor is not Function (an async function's is not).
  const button = node.addWidget('button', `upload ${w.conesInput ?? w.name}…`, null, () => {
    pickFile(accept).then((file) => file && uploadInto(w, file, { log: hooks.log, status: hooks.status ?? (() => {}) }));
  });
  button.conesFollows = w.name; // disabled with its input while a link feeds it
  return button;
}

/** Which editor a schema gets; exported for the tests' and the menu's benefit. */
export function widgetKind(schema) {
  const x = schema['x-widget'];
  if (x === 'layout') return 'layout';
  if (typeof schema['x-choices'] === 'string' && schema.type === 'string') return 'picker';
  if (x === 'seed') return 'seed';
  if (schema.enum) return 'combo';
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'boolean') return 'toggle';
  if (schema.type === 'string') return x === 'textarea' ? 'textarea' : x === 'path' ? 'path' : 'text';
  return 'json';
}

/**
 * Adds the widget for `input` to `node`. `changed(name)` is called after every user edit (the input then counts
 * as explicitly set and is written to the file). Returns the widget; `widget.conesGet()` reads its value as JSON.
 */
export function addInputWidget(node, input, changed, hooks) {
  const schema = input.schema;
  const kind = widgetKind(schema);
  const value = initialValue(schema);
  const done = () => changed(input.name);
  let w;
  if (kind === 'number' || kind === 'seed') {
    const isInt = schema.type === 'integer';
    w = node.addWidget('number', input.name, value, (entered) => {
      let n = Number(entered);
      if (!Number.isFinite(n)) n = initialValue(schema);
      w.value = clamp(isInt ? Math.round(n) : n, schema);
      done();
    }, { min: schema.minimum, max: schema.maximum, step: numberStep(schema) * LITEGRAPH_STEP_SCALE, precision: isInt ? 0 : 3 });
    // A value with a meaning of its own (GuidedSampler's -1 = the model's value) is named in the label while set.
    const special = schema['x-special'];
    if (special) {
      // A label litegraph (or a user) assigns is kept and shown for ordinary values, so assigning never throws.
      let assigned;
      Object.defineProperty(w, 'label', {
        configurable: true,
        get: () => (Object.hasOwn(special, String(w.value)) ? `${input.name} (${special[String(w.value)]})` : assigned),
        set: (text) => { assigned = text; },
      });
    }
    if (kind === 'seed' || hooks.controllable) {
      // "control after run", as ComfyUI's control_after_generate: applied to the value after each queued run.
      const control = node.addWidget('combo', controlName(input.name), 'fixed', () => hooks.changed?.(), { values: CONTROL_MODES.slice() });
      control.conesControlFor = input.name;
    }
    if (kind === 'seed') {
      const button = node.addWidget('button', `randomize ${input.name}`, null, () => {
        w.value = randomValue(schema);
        done();
        node.setDirtyCanvas(true, true);
      });
      button.conesFollows = input.name; // disabled with the seed widget while a link feeds the seed
    }
  } else if (kind === 'combo') {
    w = node.addWidget('combo', input.name, value, () => done(), { values: schema.enum.slice() });
  } else if (kind === 'toggle') {
    w = node.addWidget('toggle', input.name, value, () => done(), { on: 'true', off: 'false' });
  } else if (kind === 'textarea') {
    w = node.addWidget('text', input.name, value, () => done(), { multiline: true });
  } else if (kind === 'picker') {
    const list = schema['x-choices'];
    w = node.addCustomWidget(pickerWidget(list, input.name, value, () => done()));
    // Uploads go to the folder the list shows (inputs, layouts, residuals), so the new file is in the list at once.
    w.conesUpload = uploadFolderFor(list);
    if (w.conesUpload) addUploadButton(node, w, UPLOAD_FOLDERS[w.conesUpload].accept, hooks);
  } else if (kind === 'text' || kind === 'path') {
    w = node.addCustomWidget(textWidget(input.name, value, () => done()));
    if (kind === 'path' && input.file === 'file') {
      // A file input without a list: files go to the server's inputs folder, where relative file inputs are looked up first.
      w.conesUpload = 'inputs';
      w.conesChoose = (name) => {
        w.value = name;
        done();
        node.setDirtyCanvas(true, true);
      };
      addUploadButton(node, w, '', hooks);
    }
  } else if (kind === 'layout') {
    w = node.addCustomWidget(layoutWidget(node, input, value, done));
  } else {
    // Objects and arrays without a dedicated editor are edited as JSON text and parsed back on every change.
    let json = value;
    w = node.addWidget('text', `${input.name} (JSON)`, JSON.stringify(value), (text) => {
      try {
        json = JSON.parse(text);
        done();
      } catch (err) {
        hooks.log(`${input.name}: not valid JSON (${err.message}); the previous value is kept.`, 'error');
        w.value = JSON.stringify(json);
      }
    });
    w.conesGet = () => json;
    w.conesSet = (v) => { json = v; w.value = JSON.stringify(v); };
  }
  w.conesInput = input.name;
  w.conesGet ??= () => w.value;
  w.conesSet ??= (v) => { w.value = v; };
  return w;
}
