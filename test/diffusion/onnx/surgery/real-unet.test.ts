import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputSpecs, makeTensor } from '../../../../diffusion/onnx/input-meta';
import { Tensor, type InferenceSession } from '../../../../diffusion/onnx/ort';
import { decodeModel } from '../../../../diffusion/onnx/proto';
import { createSession } from '../../../../diffusion/onnx/session';
import { clearSessionCache } from '../../../../diffusion/onnx/session-cache';
import { patchUnetFile } from '../../../../diffusion/onnx/surgery/patch-unet';
import { seeded } from '../helpers/synthetic-attention';
import { maxAbsDiff } from '../helpers/reference-attention';
import { tempDir } from '../helpers/tiny-models';

// The small PyTorch-exported "shapes" UNet (sample [b,4,16,16], timestep float32 [b],
// encoder_hidden_states [b, seq, 128], explicit q@k^T*scale -> softmax, diffusers module names).
const here = dirname(fileURLToPath(import.meta.url));
// CONES_TEST_UNET_DIR points the test at another export of the same architecture.
const unetDir = process.env.CONES_TEST_UNET_DIR ?? resolve(here, '../../../../models/shapes/unet');
const source = join(unetDir, 'model.onnx');
const skip = existsSync(source) ? false : `no exported UNet at ${source} yet (written by the shapes-model training run)`;
const EXPECTED_CROSS_ATTENTIONS = 5; // attn2 of the down, mid and up transformer blocks of that model

let dir = '';
after(async () => { await clearSessionCache(); if (dir) rmSync(dir, { recursive: true, force: true }); });

/** Copies the unet folder (model + external weights) so the patched file is not written into models/. */
function copyUnet(): string {
  dir = tempDir('real-unet');
  for (const f of readdirSync(unetDir)) if (!f.includes('.layout.')) copyFileSync(join(unetDir, f), join(dir, f));
  return join(dir, 'model.onnx');
}

function unetFeeds(session: InferenceSession, batch: number, seq: number): Record<string, Tensor> {
  const specs = inputSpecs(session);
  const t = specs.get('timestep')!;
  return {
    sample: new Tensor('float32', seeded(batch * 4 * 16 * 16, 1), [batch, 4, 16, 16]),
    timestep: t.rank === 0 ? makeTensor(t, [500], []) : makeTensor(t, Array(batch).fill(500), [batch]),
    encoder_hidden_states: new Tensor('float32', seeded(batch * seq * 128, 2), [batch, seq, 128]),
  };
}

test('real UNet: exactly the attn2 layers are patched, and zero bias reproduces the original', { skip }, async () => {
  const copy = copyUnet();
  const patched = await patchUnetFile(copy);
  // Count what the export actually holds, from node names.
  const names = decodeModel(readFileSync(copy)).graph!.node.map((n) => n.name);
  const attn2Scopes = new Set(names.map((n) => n.match(/^(.*\/attn2\/)/)?.[1]).filter((s): s is string => !!s));
  assert.equal(attn2Scopes.size, EXPECTED_CROSS_ATTENTIONS);
  assert.deepEqual(new Set(patched.layers.map((l) => l.scope)), attn2Scopes);
  assert.equal(patched.layers.length, EXPECTED_CROSS_ATTENTIONS);
  for (const layer of patched.layers) {
    assert.ok(!layer.scope.includes('attn1') && !layer.nodes.some((n) => n.includes('/attn1/')), layer.scope);
    assert.equal(layer.rank, 4);
  }

  const original = (await createSession(copy)).session;
  const dumped = join(dir, 'model.layout.optimized.onnx');
  const guided = (await createSession(patched.path, { optimizedModelFilePath: dumped })).session;
  // ORT's CPU optimisations keep every layer's bias Add (see optimized-model.test.ts for the synthetic proof).
  const runNames = new Set(decodeModel(readFileSync(dumped)).graph!.node.filter((n) => n.opType === 'Add').map((n) => n.name));
  for (const layer of patched.layers) assert.ok(runNames.has(`${layer.scope}layout_bias/biased`), layer.scope);
  const batch = 2, seq = 7;
  const base = unetFeeds(original, batch, seq);
  const zeros = new Tensor('float32', new Float32Array(1), [1, 1, 1, 1]);
  const off: Record<string, Tensor> = { ...base };
  for (const l of patched.layers) { off[l.posInput] = zeros; off[l.negInput] = zeros; }
  const outName = original.outputNames[0];
  const a = (await original.run(base))[outName].data as Float32Array;
  const b = (await guided.run(off))[outName].data as Float32Array;
  // Zero bias adds exact zeros; ORT may still fuse the unpatched graph differently (float32 reorderings).
  assert.ok(maxAbsDiff(a, b) <= 1e-5, `max diff ${maxAbsDiff(a, b)}`);

  // A bias that favours text token 1 in the conditional row ([B, 1, 1, T], broadcast over S) changes
  // the conditional output and leaves the unconditional one alone.
  const pos = new Float32Array(batch * seq);
  pos[seq + 1] = 0.08 * 5.4 * 2.5;
  const on: Record<string, Tensor> = { ...off };
  for (const l of patched.layers) on[l.posInput] = new Tensor('float32', pos, [batch, 1, 1, seq]);
  const c = (await guided.run(on))[outName].data as Float32Array;
  const half = a.length / 2;
  assert.ok(maxAbsDiff(a.subarray(0, half), c.subarray(0, half)) <= 1e-5);
  assert.ok(maxAbsDiff(a.subarray(half), c.subarray(half)) > 1e-4);
});
