/**
 * Parity with the PyTorch reference sampler (training/reference_sampler.py): the fixtures in test/fixtures/parity
 * were written by training/write_fixtures.py from the same weights as the ONNX export in models/shapes. Stored
 * noise is fed in, so the comparison covers tokenizer, text encoder, layout maps, UNet surgery, guidance, sampler
 * and VAE, not the random number generator.
 *
 * Tolerances (float32 ONNX vs float32 PyTorch, both on CPU): embeddings 1e-4 abs; layout maps exact (1e-6);
 * latents after each step 2e-3 abs; final image 4e-3 abs in [-1, 1] (half of one 8-bit level is 3.9e-3).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { buildTokenWeightMaps, layoutBiasAt, rasteriseSubjects } from '../../../diffusion/layout';
import { loadSdModel, type SdModel } from '../../../diffusion/model/load';
import { encodeChunks } from '../../../diffusion/model/text-encoder';
import { decodeLatents } from '../../../diffusion/model/vae';
import type { NoiseStream } from '../../../diffusion/noise';
import { generate } from '../../../diffusion/pipeline/generate';
import { addResidual, readResidual } from '../../../diffusion/residuals';
import { f32, type F32Tensor } from '../../../diffusion/tensor';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'parity');
const MODEL_DIR = process.env.CONES_PARITY_MODEL ?? join(ROOT, 'models', 'shapes');
const ready = existsSync(join(FIXTURES, 'manifest.json')) && existsSync(join(MODEL_DIR, 'unet', 'model.onnx'));

interface TensorRef { file: string; shape: number[] }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;

function load(ref: TensorRef): F32Tensor {
  const buf = readFileSync(join(FIXTURES, ref.file));
  return f32(ref.shape, new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice());
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same size');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A subject of the fixture manifest (reference field names) as a box subject of a layout. */
function boxSubject(subject: { word: string; box: number[]; strength: number }) {
  return { phrase: subject.word, box: subject.box, strength: subject.strength };
}

function fixtureNoise(refs: TensorRef[]): NoiseStream {
  let k = 0;
  return {
    next(dims) {
      assert.ok(k < refs.length, `the reference drew only ${refs.length} noise tensors`);
      const t = load(refs[k++]);
      assert.deepEqual(t.dims, [...dims]);
      return t;
    },
    get position() { return k; },
  };
}

const skip = ready ? false : `needs ${MODEL_DIR} and test/fixtures/parity (training/build_all.sh)`;

test('parity with the PyTorch reference sampler on the shapes model', { skip }, async (t) => {
  const manifest: Manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));
  const model: SdModel = await loadSdModel(MODEL_DIR);

  await t.test('token ids and word positions are exact', () => {
    for (const c of manifest.tokenizer) {
      assert.deepEqual(model.tokenizer.tokenize(c.prompt, { mode: 'fixed' }).ids, c.ids_fixed, c.prompt);
      const adaptive = model.tokenizer.tokenize(c.prompt, { mode: 'adaptive' });
      assert.deepEqual(adaptive.ids, c.ids_adaptive, c.prompt);
      for (const [word, positions] of Object.entries(c.word_positions as Record<string, number[]>)) {
        assert.deepEqual(adaptive.words.filter((w) => w.text === word).flatMap((w) => w.tokenPositions), positions, word);
      }
    }
  });

  await t.test('text encoder outputs within 1e-4', async () => {
    for (const c of manifest.text_encoder) {
      for (const [ids, ref] of [[c.ids_fixed, c.out_fixed], [c.ids_adaptive, c.out_adaptive]]) {
        const out = await encodeChunks(model, [ids]);
        assert.ok(maxAbsDiff(out.data, load(ref).data) < 1e-4, c.prompt);
      }
    }
  });

  await t.test('layout maps per resolution are exact', () => {
    for (const c of manifest.layout) {
      const masks = rasteriseSubjects(c.subjects.map(boxSubject), 64, 64);
      const subjects = masks.map((m, k) => ({ phrase: m.phrase, mask: m.mask, strength: m.strength, positions: c.subjects[k].positions }));
      const maps = buildTokenWeightMaps(subjects, c.seq_len, 64, 64);
      for (const [r, ref] of Object.entries(c.maps as Record<string, { w_pos: TensorRef; neg_mask: TensorRef }>)) {
        const bias = layoutBiasAt(maps, Number(r), Number(r));
        assert.ok(maxAbsDiff(bias.posWeights.data, load(ref.w_pos).data) < 1e-6, `w_pos at ${r}`);
        assert.ok(maxAbsDiff(bias.negMask.data, load(ref.neg_mask).data) === 0, `neg mask at ${r}`);
      }
    }
  });

  for (const run of manifest.runs) {
    await t.test(`run "${run.name}": latents after each of ${run.steps} steps and the final image`, async () => {
      const mode = run.length === 'adaptive' ? 'adaptive' : 'fixed';
      const tokens = model.tokenizer.tokenize(run.prompt, { mode });
      assert.deepEqual(tokens.ids, run.ids_cond);
      const uncondTokens = model.tokenizer.unconditional(tokens, run.negative_prompt);
      assert.deepEqual(uncondTokens.ids, run.ids_uncond);
      let cond = await encodeChunks(model, tokens.chunks);
      const residuals = (run.residuals ?? []) as { word: string; positions: number[]; file: string }[];
      for (const r of residuals) {
        // The reference adds the residual at the positions it found for the word; ours must find the same ones.
        assert.deepEqual(tokens.words.filter((w) => w.text === r.word).flatMap((w) => w.tokenPositions), r.positions, r.word);
        cond = addResidual(cond, readResidual(join(ROOT, r.file)).vector, r.positions);
      }
      if (run.emb_cond) assert.ok(maxAbsDiff(cond.data, load(run.emb_cond).data) < 1e-4, 'conditional embedding');
      const applied = residuals.map((r) => ({ phrase: r.word, positions: r.positions, strength: 1, source: r.file }));
      const uncond = await encodeChunks(model, uncondTokens.chunks);
      const conditioning = { modelId: model.id, tokens, cond, uncond, negativePrompt: '', residuals: applied };
      const latents: F32Tensor[] = [];
      const lay = run.layout;
      const result = await generate({
        model, conditioning, sampler: 'euler', steps: run.steps, seed: run.seed, width: 64, height: 64,
        guidance: run.mode === 'cfgpp' ? { kind: 'cfgpp', lambda: run.lambda } : { kind: 'cfg', scale: run.cfg },
        layout: lay ? {
          layout: { subjects: lay.subjects.map(boxSubject), source: 'fixture' },
          weight: lay.gw, guidanceSteps: lay.guidance_steps, eta: { kind: 'log1p_sigma_sq' }, resolutions: lay.resolutions,
          selfRecurrence: lay.self_recurrence,
        } : undefined,
        initialNoise: load(run.init_noise),
        noise: fixtureNoise(run.noises),
        onStep: (_i, _n, x) => latents.push(x),
      });
      assert.ok(maxAbsDiff(result.sigmas, run.sigmas) < 1e-5, 'sigmas');
      run.latents.forEach((ref: TensorRef, i: number) => {
        const d = maxAbsDiff(latents[i].data, load(ref).data);
        assert.ok(d < 2e-3, `step ${i}: max |diff| ${d}`);
      });
      const image = await decodeLatents(model, result.latent);
      const clamped = image.data.map((v) => Math.max(-1, Math.min(1, v)));
      const d = maxAbsDiff(clamped, load(run.final_image).data);
      assert.ok(d < 4e-3, `final image max |diff| ${d}`);
    });
  }
});
