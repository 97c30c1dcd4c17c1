/**
 * Query slicing of the highest-resolution self-attentions (diffusion/onnx/surgery/slice-attention.ts) on the four
 * SD replicas (torch 2 SDPA 4-D and baddbmm 3-D with upcast, fp32 and fp16): exactly the level-0 attn1 chains are
 * sliced, the output equals the whole-attention graph for uneven and empty slices, the baddbmm zero input is gone,
 * a chain whose scores are read elsewhere is left whole with the reason, and the cache keeps one file per slicing.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSdModel } from '../../../../diffusion/model/load';
import { querySlicesFor } from '../../../../diffusion/model/query-slices';
import { inputSpecs, makeTensor, outputAsFloat32 } from '../../../../diffusion/onnx/input-meta';
import { Tensor } from '../../../../diffusion/onnx/ort';
import { decodeModel, node } from '../../../../diffusion/onnx/proto';
import { createSession } from '../../../../diffusion/onnx/session';
import { clearSessionCache } from '../../../../diffusion/onnx/session-cache';
import { patchModel, patchUnetFile, readPatchedDescription, type PatchDescription } from '../../../../diffusion/onnx/surgery';
import { REPLICAS, replicaDir } from '../../../models/helpers/sd-replicas';
import { scratchDir } from '../../../helpers/scratch';
import { maxAbsDiff } from '../helpers/reference-attention';
import { seeded } from '../helpers/synthetic-attention';

const cache = scratchDir('slice-attention-cache');
after(async () => { await clearSessionCache(); });

/** The replicas' UNets have two levels with attention: level 0 is down_blocks.0 and the last up block. */
const LEVEL0_SELF = ['/down_blocks.0/attentions.0/transformer_blocks.0/attn1/',
  '/up_blocks.2/attentions.0/transformer_blocks.0/attn1/', '/up_blocks.2/attentions.1/transformer_blocks.0/attn1/'];

async function unetOutput(dir: string, patchedPath: string, layers: PatchDescription['layers'], side: number): Promise<Float32Array> {
  const { session } = await createSession(patchedPath, { externalDataFolder: join(dir, 'unet') });
  const specs = inputSpecs(session);
  const width = Number(specs.get('encoder_hidden_states')!.shape[2]);
  const t = specs.get('timestep')!;
  const feeds: Record<string, Tensor> = {
    sample: makeTensor(specs.get('sample')!, seeded(2 * 4 * side * side, 1), [2, 4, side, side]),
    timestep: t.rank === 0 ? makeTensor(t, [500], []) : makeTensor(t, [500, 500], [2]),
    encoder_hidden_states: makeTensor(specs.get('encoder_hidden_states')!, seeded(2 * 77 * width, 2), [2, 77, width]),
  };
  const zero = new Tensor('float32', new Float32Array(1), [1, 1, 1, 1]);
  for (const l of layers) { feeds[l.posInput] = zero; feeds[l.negInput] = zero; }
  const out = await session.run(feeds);
  return outputAsFloat32(out[session.outputNames[0]], 'out_sample');
}

for (const replica of REPLICAS) {
  test(`${replica.name}: the level-0 self-attentions run in query slices and compute what the whole graph computes`, async () => {
    const dir = replicaDir(replica.name);
    const source = join(dir, 'unet', 'model.onnx');
    const whole = await patchUnetFile(source, { outPath: join(cache, `${replica.name}-whole.onnx`), force: true });
    assert.deepEqual(whole.sliced, []);
    // 8x8 latents in 7 slices: uneven rows (64 = 9 + 9 + 9 + 9 + 9 + 9 + 10); 4x4 in 32 slices: half the slices empty.
    for (const [side, chunks] of [[8, 7], [4, 32]]) {
      const sliced = await patchUnetFile(source, { outPath: join(cache, `${replica.name}-q${chunks}.onnx`), querySlices: chunks, force: true });
      assert.deepEqual(sliced.sliced.map((s) => s.scope), LEVEL0_SELF);
      assert.ok(sliced.sliced.every((s) => s.chunks === chunks));
      assert.deepEqual(sliced.sliceSkipped, []);
      assert.deepEqual(sliced.layers.map((l) => l.scope), whole.layers.map((l) => l.scope), 'the layout layers are unchanged');
      const a = await unetOutput(dir, whole.path, whole.layers, side);
      const b = await unetOutput(dir, sliced.path, sliced.layers, side);
      const scale = Math.max(...a.map(Math.abs));
      assert.ok(maxAbsDiff(a, b) <= 1e-5 * scale, `${replica.name} ${side}x${side} in ${chunks}: max diff ${maxAbsDiff(a, b)}`);
      const model = decodeModel(readFileSync(sliced.path));
      const inScope = (scope: string) => model.graph!.node.filter((n) => n.name.startsWith(scope));
      for (const scope of LEVEL0_SELF) {
        const softmaxes = inScope(scope).filter((n) => n.opType === 'Softmax');
        assert.equal(softmaxes.length, chunks, `${scope}: one Softmax per slice`);
        assert.equal(inScope(scope).filter((n) => n.opType === 'ConstantOfShape').length, 0, `${scope}: no [.., S, S] zeros left`);
      }
    }
  });
}

test('a self-attention whose scores are read outside it stays whole, with the reason', () => {
  const model = decodeModel(readFileSync(join(replicaDir('sd15'), 'unet', 'model.onnx')));
  const g = model.graph!;
  const softmax = g.node.find((n) => n.opType === 'Softmax' && n.name.startsWith(LEVEL0_SELF[0]))!;
  // A second reader of the logits (e.g. an attention-map probe): slicing would hand it a slice.
  g.node.push(node('Identity', 'probe', [softmax.input[0]], ['probe_out']));
  g.output.push({ ...g.output[0], name: 'probe_out' });
  const description = patchModel(model, { querySlices: 4 });
  assert.deepEqual(description.sliced.map((s) => s.scope), LEVEL0_SELF.slice(1));
  assert.equal(description.sliceSkipped.length, 1);
  assert.equal(description.sliceSkipped[0].scope, LEVEL0_SELF[0]);
  assert.match(description.sliceSkipped[0].reason, /readers outside the attention/);
});

test('query slices out of range are a coded error, and 0 leaves every attention whole', () => {
  const bytes = readFileSync(join(replicaDir('sd15'), 'unet', 'model.onnx'));
  for (const bad of [-1, 2.5, 65]) {
    assert.throws(() => patchModel(decodeModel(bytes), { querySlices: bad }), { code: 'E_SURGERY_QUERY_SLICES' });
  }
  const plain = patchModel(decodeModel(bytes), { querySlices: 0 });
  assert.deepEqual(plain.sliced, []);
});

test('the cache keeps one patched file per slicing and reuses each', async () => {
  const source = join(replicaDir('sd21'), 'unet', 'model.onnx');
  const saved = process.env.CONES_CACHE_DIR;
  process.env.CONES_CACHE_DIR = join(cache, 'shared');
  try {
    const whole = await patchUnetFile(source);
    const sliced = await patchUnetFile(source, { querySlices: 4 });
    assert.notEqual(whole.path, sliced.path);
    assert.equal(sliced.sliced.length, 3);
    const again = [await patchUnetFile(source), await patchUnetFile(source, { querySlices: 4 }), await patchUnetFile(source, { querySlices: 1 })];
    assert.deepEqual(again.map((p) => p.cached), [true, true, true]);
    assert.equal(again[2].path, whole.path, '1 slice is the whole attention');
    assert.equal(again[1].sliced.length, 3);
  } finally {
    if (saved === undefined) delete process.env.CONES_CACHE_DIR; else process.env.CONES_CACHE_DIR = saved;
  }
});

test('LoadModel slices SD-sized UNets (sample_size 64: 16 slices) and not small ones; CONES_QUERY_SLICES overrides', () => {
  assert.equal(querySlicesFor(64, {}), 16);
  assert.equal(querySlicesFor(96, {}), 16);
  assert.equal(querySlicesFor(16, {}), 0);
  assert.equal(querySlicesFor(undefined, {}), 0);
  assert.equal(querySlicesFor(64, { CONES_QUERY_SLICES: '0' }), 0);
  assert.equal(querySlicesFor(16, { CONES_QUERY_SLICES: '8' }), 8);
  for (const bad of ['x', '-2', '1.5', '65']) {
    assert.throws(() => querySlicesFor(64, { CONES_QUERY_SLICES: bad }), { code: 'E_SURGERY_QUERY_SLICES' });
  }
});

test('LoadModel opens the sliced graph when CONES_QUERY_SLICES asks for it', async () => {
  const saved = { slices: process.env.CONES_QUERY_SLICES, cache: process.env.CONES_CACHE_DIR };
  process.env.CONES_QUERY_SLICES = '4';
  process.env.CONES_CACHE_DIR = join(cache, 'load');
  try {
    const model = await loadSdModel(replicaDir('sd15'));
    assert.match(model.unetLayout!.patchedPath, /\.q4\.layout\.onnx$/);
    const described = readPatchedDescription(model.unetLayout!.patchedPath)!;
    assert.deepEqual(described.sliced.map((s) => s.scope), LEVEL0_SELF);
  } finally {
    for (const [key, value] of [['CONES_QUERY_SLICES', saved.slices], ['CONES_CACHE_DIR', saved.cache]] as const) {
      if (value === undefined) delete process.env[key]; else process.env[key] = value;
    }
  }
});
