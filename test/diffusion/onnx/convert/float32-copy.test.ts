import assert from 'node:assert/strict';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { float32Copy, hasReducedFloats } from '../../../../diffusion/onnx/convert/float32-copy';
import { convertFloatBytes, floatTypesIn } from '../../../../diffusion/onnx/convert/retype';
import { ModelError } from '../../../../diffusion/errors';
import { Tensor } from '../../../../diffusion/onnx/ort';
import { DataType, decodeModel, encodeModel } from '../../../../diffusion/onnx/proto';
import { createSession } from '../../../../diffusion/onnx/session';
import { clearSessionCache } from '../../../../diffusion/onnx/session-cache';
import { SHAPES_MODEL } from '../../../helpers/paths';
import { scratchDir } from '../../../helpers/scratch';
import { halfGraph } from '../../model/helpers/half-folder';

before(() => { process.env.CONES_CACHE_DIR = scratchDir('f32-cache'); });
after(() => clearSessionCache());

test('float16 and bfloat16 bytes widen exactly and float32 narrows to nearest', () => {
  const values = new Float32Array([0, -0, 1, -2.5, 65504, 1e-7, 3.140625]);
  for (const type of [DataType.FLOAT16, DataType.BFLOAT16] as const) {
    const narrow = convertFloatBytes(new Uint8Array(values.buffer), DataType.FLOAT, type);
    assert.equal(narrow.byteLength, values.length * 2);
    const wide = new Float32Array(convertFloatBytes(narrow, type, DataType.FLOAT).buffer);
    for (let i = 0; i < values.length; i++) {
      const tol = type === DataType.FLOAT16 ? Math.max(Math.abs(values[i]) * 2 ** -11, 2 ** -24) : Math.abs(values[i]) * 2 ** -8;
      assert.ok(Math.abs(wide[i] - values[i]) <= tol, `${type}: ${values[i]} -> ${wide[i]}`);
    }
  }
});

/** The shapes text encoder in bfloat16, written to a scratch folder. */
function bf16TextEncoder(): string {
  const dir = scratchDir('bf16-te');
  const path = join(dir, 'model.onnx');
  writeFileSync(path, encodeModel(halfGraph(decodeModel(readFileSync(join(SHAPES_MODEL, 'text_encoder/model.onnx'))), DataType.BFLOAT16)));
  return path;
}

test('a bfloat16 graph the CPU provider rejects is reported with the op, or run as a cached float32 copy', async () => {
  const path = bf16TextEncoder();
  assert.ok(hasReducedFloats(path));
  await assert.rejects(createSession(path, { float32Fallback: false }), (err: ModelError) => {
    assert.equal(err.code, 'E_ONNX_KERNEL_MISSING');
    assert.equal(err.details?.op, 'Add');
    return true;
  });
  const notes: string[] = [];
  const loaded = await createSession(path, { onWarning: (m) => notes.push(m) });
  assert.ok(loaded.float32Copy && notes.some((n) => n.includes(loaded.float32Copy!)), notes.join('\n'));
  assert.deepEqual([...floatTypesIn(decodeModel(readFileSync(loaded.float32Copy)).graph!)], [DataType.FLOAT]);

  const ids = new BigInt64Array([49406n, 320n, 736n, 2866n, 49407n].map((v) => v % 400n));
  const feeds = { input_ids: new Tensor('int64', ids, [1, 5]) };
  const fp32 = await createSession(join(SHAPES_MODEL, 'text_encoder/model.onnx'));
  const a = (await fp32.session.run(feeds)).last_hidden_state.data as Float32Array;
  const b = (await loaded.session.run(feeds)).last_hidden_state.data as Float32Array;
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) { worst = Math.max(worst, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(a[i])); }
  assert.ok(worst < 0.05 * scale, `max |bf16 weights - fp32| ${worst} against max |x| ${scale}`);
});

test('the float32 copy is reused while the source is unchanged and rebuilt when it changes', async () => {
  const path = bf16TextEncoder();
  const first = await float32Copy(path);
  assert.equal(first.cached, false);
  assert.deepEqual(first.from, ['bfloat16']);
  assert.ok(first.bytesWritten > 0);
  const again = await float32Copy(path);
  assert.equal(again.cached, true);
  assert.equal(again.path, first.path);
  const bytes = readFileSync(path);
  writeFileSync(path, bytes); // same content, new mtime: the hash keeps it current
  const touched = await float32Copy(path);
  assert.equal(touched.cached, true);
  const model = decodeModel(bytes);
  model.graph!.name = 'changed-source';
  writeFileSync(path, encodeModel(model));
  const t = new Date(Date.now() + 5000);
  utimesSync(path, t, t);
  const rebuilt = await float32Copy(path);
  assert.equal(rebuilt.cached, false);
  assert.ok(statSync(rebuilt.path).size > 0);
});
