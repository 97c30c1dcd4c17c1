import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeModel, encodeModel } from '../../../../diffusion/onnx/proto';
import { createSession } from '../../../../diffusion/onnx/session';
import { clearSessionCache } from '../../../../diffusion/onnx/session-cache';
import { cacheDir } from '../../../../diffusion/onnx/cache-dir';
import { externalRefs } from '../../../../diffusion/onnx/surgery/external-data';
import { readModelMetadata } from '../../../../diffusion/onnx/surgery/model-metadata';
import { patchModel } from '../../../../diffusion/onnx/surgery/patch-model';
import {
  META_VERSION, SURGERY_VERSION, patchUnetBytes, patchUnetFile, readPatchedDescription,
} from '../../../../diffusion/onnx/surgery/patch-unet';
import { baseFeeds, hidden, layoutFeeds, layoutMaps, text } from '../helpers/layout-feeds';
import { maxAbsDiff, referenceAttention } from '../helpers/reference-attention';
import { DIMS, ExternalSink, buildAttentionModel, makeWeights, type Weights } from '../helpers/synthetic-attention';
import { tempDir } from '../helpers/tiny-models';

const root = tempDir('patch-unet');
process.env.CONES_CACHE_DIR = join(root, 'cache'); // this file's patched models stay in its temp folder
after(async () => { await clearSessionCache(); rmSync(root, { recursive: true, force: true }); });

/** An SD-style `unet/` folder: model.onnx with every weight in model.onnx_data (v weights via Constant nodes). */
function writeUnetFolder(name: string, weights: Weights): string {
  const unet = join(root, name, 'unet');
  mkdirSync(unet, { recursive: true });
  const sink = new ExternalSink('model.onnx_data');
  const model = buildAttentionModel('pt2', weights, sink);
  writeFileSync(join(unet, 'model.onnx_data'), sink.bytes());
  writeFileSync(join(unet, 'model.onnx'), encodeModel(model));
  return join(unet, 'model.onnx');
}

test('patches a model with external data into the cache folder, keeps every external reference, writes nothing beside it', async () => {
  const weights = makeWeights();
  const source = writeUnetFolder('ext', weights);
  const listing = readdirSync(dirname(source)).sort();
  const result = await patchUnetFile(source);
  assert.equal(dirname(result.path), join(cacheDir(), 'unet-layout'));
  assert.equal(result.externalDataFolder, dirname(source));
  assert.deepEqual(readdirSync(dirname(source)).sort(), listing, 'the model folder is left as it was (it may be read-only)');
  assert.equal(result.cached, false);
  assert.equal(result.layers.length, 2);

  const before = externalRefs(decodeModel(readFileSync(source)));
  const after = externalRefs(decodeModel(readFileSync(result.path)));
  assert.deepEqual(after, before);
  assert.equal(before.length, 9); // q, k, v of three attentions
  assert.ok(before.some((r) => r.tensor.startsWith('/weights/')), 'Constant-node attribute tensors are external too');
  assert.ok(statSync(result.path).size < 64 * 1024, 'weights stay in model.onnx_data, not inlined');

  // ORT loads the patched file from the cache, reading model.onnx_data in place from the source folder.
  const { session } = await createSession(result.path, { externalDataFolder: result.externalDataFolder });
  const maps = layoutMaps(11);
  const out = await session.run({ ...baseFeeds(), ...layoutFeeds(0, maps), ...layoutFeeds(1, null) });
  const expected = referenceAttention(hidden, text, DIMS.T, DIMS.CT, weights, 'cross', maps.pos, maps.neg);
  assert.ok(maxAbsDiff(out.cross_out.data as Float32Array, expected) < 1e-5);
});

test('records provenance in metadata_props and reuses a current patched file', async () => {
  const source = writeUnetFolder('cache', makeWeights());
  const first = await patchUnetFile(source);
  const meta = readModelMetadata(first.path);
  assert.equal(meta.get(META_VERSION), SURGERY_VERSION);
  const recorded = JSON.parse(meta.get('cones.layout_surgery.source')!);
  assert.equal(recorded.size, statSync(source).size);
  assert.match(recorded.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(recorded.external), ['model.onnx_data']);
  assert.deepEqual(readPatchedDescription(first.path), { layers: first.layers, skipped: first.skipped, sliced: [], sliceSkipped: [] });

  const second = await patchUnetFile(source);
  assert.equal(second.cached, true);
  assert.deepEqual(second.layers, first.layers);

  // A touch moves the mtime but not the content: the hash still matches.
  const later = new Date(Date.now() + 10_000);
  utimesSync(source, later, later);
  assert.equal((await patchUnetFile(source)).cached, true);

  // New weights in model.onnx_data (same size) must be re-patched: external files are stamped too.
  const other = makeWeights();
  other['cross.q'][0] += 1;
  writeUnetFolder('cache', other);
  assert.equal((await patchUnetFile(source)).cached, false);
  assert.equal((await patchUnetFile(source, { force: true })).cached, false);
});

test('refuses to overwrite the source, and a source whose external data escapes its folder', async () => {
  const source = writeUnetFolder('elsewhere', makeWeights());
  await assert.rejects(patchUnetFile(source, { outPath: source }), { code: 'E_SURGERY_EXTERNAL_DATA' });
  const model = decodeModel(readFileSync(source));
  const tensor = model.graph!.initializer.find((t) => t.dataLocation === 1)!;
  tensor.externalData.find((e) => e.key === 'location')!.value = '../escaped.bin';
  writeFileSync(source, encodeModel(model));
  await assert.rejects(patchUnetFile(source, { force: true }), { code: 'E_SURGERY_EXTERNAL_DATA' });
});

test('a missing source is E_MODEL_FILE_MISSING', async () => {
  await assert.rejects(patchUnetFile(join(root, 'nothing', 'unet', 'model.onnx')), { code: 'E_MODEL_FILE_MISSING' });
});

test('patchUnetBytes patches in memory', () => {
  const { bytes, layers } = patchUnetBytes(encodeModel(buildAttentionModel('pt1', makeWeights())));
  assert.equal(layers.length, 2);
  const inputs = decodeModel(bytes).graph!.input.map((i) => i.name);
  assert.deepEqual(inputs.slice(2), ['layout_pos_0', 'layout_neg_0', 'layout_pos_1', 'layout_neg_1']);
});

test('surgery errors: no text input, no cross-attention, opset too old, already patched', () => {
  const w = makeWeights();
  const twice = buildAttentionModel('pt2', w);
  patchModel(twice);
  assert.throws(() => patchModel(twice), { code: 'E_SURGERY_ALREADY_PATCHED' });
  assert.throws(() => patchModel(buildAttentionModel('pt2', w), { textInput: 'text_embeds' }), { code: 'E_SURGERY_NO_INPUT' });
  // Rewire every attention to read the image: all self-attention, nothing to patch.
  const selfOnly = buildAttentionModel('pt2', w);
  for (const n of selfOnly.graph!.node) n.input = n.input.map((i) => (i === 'encoder_hidden_states' ? 'hidden' : i));
  assert.throws(() => patchModel(selfOnly), { code: 'E_SURGERY_NO_ATTENTION' });
  const old = buildAttentionModel('pt2', w);
  old.opsetImport[0].version = 12n;
  assert.throws(() => patchModel(old), { code: 'E_SURGERY_OPSET' });
});
