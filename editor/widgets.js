// One litegraph widget per literal-capable input, chosen from the input's JSON Schema (the server's /api/nodes):
// number/integer -> number with min/max/step, enum -> combo, boolean -> toggle, string -> text ('textarea' is
// multiline, 'seed' adds a randomize button, 'path' a file/folder text), 'layout' -> the box editor, anything
// else (objects, arrays) -> JSON text.
import { api } from './api.js';
import { layoutWidget } from './layout-widget.js';

/** litegraph moves a number widget by 0.1 * options.step per click, so steps are passed ten times larger. */
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

function pickAndUpload(onUploaded, log) {
  const picker = Object.assign(document.createElement('input'), { type: 'file' });
  picker.onchange = async () => {
    const file = picker.files[0];
    if (!file) return;
    try {
      const r = await api(`/api/upload/inputs?filename=${encodeURIComponent(file.name)}`, { method: 'POST', file });
      log(`uploaded ${r.name}${r.renamed ? ' (renamed: the name was taken)' : ''}`);
      onUploaded(r.name);
    } catch (err) {
      log(`upload of ${file.name}: ${err.code ?? ''} ${err.message}`, 'error');
    }
  };
  picker.click();
}

/** Which editor a schema gets; exported for the tests' and the menu's benefit. */
export function widgetKind(schema) {
  const x = schema['x-widget'];
  if (x === 'layout') return 'layout';
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
    if (kind === 'seed') {
      node.addWidget('button', `randomize ${input.name}`, null, () => {
        w.value = Math.floor(Math.random() * Math.min(MAX_SEED, schema.maximum ?? MAX_SEED));
        done();
        node.setDirtyCanvas(true, true);
      });
    }
  } else if (kind === 'combo') {
    w = node.addWidget('combo', input.name, value, () => done(), { values: schema.enum.slice() });
  } else if (kind === 'toggle') {
    w = node.addWidget('toggle', input.name, value, () => done(), { on: 'true', off: 'false' });
  } else if (kind === 'text' || kind === 'textarea' || kind === 'path') {
    const label = kind === 'path' ? `${input.name} (path)` : input.name;
    w = node.addWidget('text', label, value, () => done(), { multiline: kind === 'textarea' });
    if (kind === 'path' && input.file === 'file') {
      // Files go to the server's inputs folder, where relative file inputs are looked up first.
      const onUploaded = (name) => {
        w.value = name;
        done();
        node.setDirtyCanvas(true, true);
      };
      node.addWidget('button', `upload ${input.name}…`, null, () => pickAndUpload(onUploaded, hooks.log));
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
