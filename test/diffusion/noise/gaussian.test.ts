import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussian, noiseStream, seedToKey, LATENT_NOISE_STREAM, STEP_NOISE_STREAM } from '../../../diffusion/noise/gaussian';

// Golden values produced by this implementation (Philox4x32-10 + Box-Muller, see gaussian.ts) on 2026-11-22.
// They pin the generator: any change to the counter layout, bit extraction or transform breaks them. Exact float32.
const SEED_0_FIRST_8 = [
  -0.12151796370744705, -1.3500326871871948, -0.08187421411275864, -0.2227090448141098,
  1.7764242887496948, 2.173520803451538, -0.5473441481590271, -0.4225328862667084,
];
const SEED_42_FIRST_8 = [
  0.8864974975585938, 0.4393560588359833, -0.15660962462425232, -0.013718678615987301,
  -0.49410051107406616, -0.37216684222221375, -0.6798916459083557, -0.41020363569259644,
];

test('first 8 values for seeds 0 and 42 are the recorded golden values (exact)', () => {
  assert.deepEqual(Array.from(gaussian(0, [8]).data), SEED_0_FIRST_8);
  assert.deepEqual(Array.from(gaussian(42, [2, 4]).data), SEED_42_FIRST_8);
});

test('1e5 samples have mean within 0.016 of 0 and std within 0.012 of 1', () => {
  // Standard errors at n = 1e5: mean 1/sqrt(n) = 0.0032, std 1/sqrt(2n) = 0.0022; the bounds are ~5 standard errors.
  const x = gaussian(123, [100_000]).data;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / x.length);
  assert.ok(Math.abs(mean) < 0.016, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.012, `std ${std}`);
  // Tails: P(|z| > 3) = 0.0027, so about 270 of 1e5; a broken transform lands far from it.
  const tail = x.filter((v) => Math.abs(v) > 3).length;
  assert.ok(tail > 180 && tail < 370, `tail count ${tail}`);
});

test('a stream draw depends only on its position, not on how earlier draws were chunked', () => {
  const whole = noiseStream(5, STEP_NOISE_STREAM).next([8]).data;
  const stream = noiseStream(5, STEP_NOISE_STREAM);
  const parts = [...stream.next([2]).data, ...stream.next([6]).data];
  assert.deepEqual(parts, Array.from(whole));
  assert.equal(stream.position, 4);
  const resumed = noiseStream(5, STEP_NOISE_STREAM, 1).next([6]).data;
  assert.deepEqual(Array.from(resumed), Array.from(whole.subarray(2)));
});

test('odd-sized draws start the next draw on a fresh block', () => {
  const stream = noiseStream(9, 3);
  stream.next([3]);
  assert.equal(stream.position, 2);
  assert.deepEqual(Array.from(stream.next([2]).data), Array.from(noiseStream(9, 3, 2).next([2]).data));
});

test('latent and step streams of one seed differ, and different seeds differ', () => {
  const latent = gaussian(0, [16], LATENT_NOISE_STREAM).data;
  const step = noiseStream(0, STEP_NOISE_STREAM).next([16]).data;
  assert.notDeepEqual(Array.from(latent), Array.from(step));
  assert.notDeepEqual(Array.from(gaussian(1, [16]).data), Array.from(latent));
});

test('bigint and number seeds agree; seeds use all 64 bits', () => {
  assert.deepEqual(Array.from(gaussian(42n, [8]).data), SEED_42_FIRST_8);
  assert.deepEqual(seedToKey(2n ** 32n + 7n), [7, 1]);
  assert.notDeepEqual(Array.from(gaussian(2n ** 32n, [4]).data), Array.from(gaussian(0, [4]).data));
});

test('invalid seeds, streams and dims raise coded errors', () => {
  assert.throws(() => gaussian(-1, [2]), { code: 'E_NOISE_SEED' });
  assert.throws(() => gaussian(1.5, [2]), { code: 'E_NOISE_SEED' });
  assert.throws(() => gaussian(2n ** 64n, [2]), { code: 'E_NOISE_SEED' });
  assert.throws(() => noiseStream(0, -1), { code: 'E_NOISE_STREAM' });
  assert.throws(() => gaussian(0, [2, -1]), { code: 'E_NOISE_DIMS' });
});
