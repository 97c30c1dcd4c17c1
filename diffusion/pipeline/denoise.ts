/**
 * The guided sampling loop (Cones 2 Algorithm 1 with the report's options), independent of ONNX and of graphs:
 *
 *   for i in 0..N-1:                                      sigma_i -> sigma_(i+1) from the inference plan
 *     (D_c, D_u) = predict(x, sigma_i, i)                 one batched UNet call; the caller applies the layout bias
 *     (D, D_n)   = guidance(D_c, D_u)                     CFG / CFG++ / sigma-scaled CFG (diffusion/guidance)
 *     x'         = sampler.step(x, D, D_n)                Euler / Euler a / DDIM / DPM++ 2M (diffusion/samplers)
 *     if self-recurrence and step i is guided:            reference behaviour (docs/method.md section 6):
 *       x  = x' + sqrt(sigma_i^2 - sigma_(i+1)^2) * z       back to sigma_i with fresh noise z,
 *       x' = the same step again from the pre-step state    then step again, without re-noising.
 *
 * Sigmas are indexed by step number, so running a step twice never advances a schedule counter twice.
 */
import { applyGuidance, type GuidanceRule } from '../guidance';
import type { GuidancePredictions } from '../guidance/types';
import type { NoiseStream } from '../noise';
import { INITIAL_SAMPLER_STATE, renoise, type Sampler, type SamplerState } from '../samplers';
import type { F32Tensor } from '../tensor';

export interface DenoiseOptions {
  sampler: Sampler;
  guidance: GuidanceRule;
  /** N + 1 sigmas, the last one 0. */
  sigmas: readonly number[] | Float64Array;
  /** x at sigma_0 (initial noise already scaled by sigma_0): [1, C, h, w]. */
  x: F32Tensor;
  /** Fresh standard-normal noise for ancestral samplers and self-recurrence. */
  noise: NoiseStream;
  /** The two predictions at (x, sigma) for step i; `pass` is 0 or 1 under self-recurrence. */
  predict: (x: F32Tensor, sigma: number, step: number, pass: number) => Promise<GuidancePredictions>;
  /** Whether step i is a guided step that self-recurrence repeats. */
  recurrent: (step: number) => boolean;
  /**
   * Applied to x wherever it reaches a new sigma (the start, after each step, after self-recurrence's re-noising):
   * inpainting puts the known region back there (./inpaint.ts).
   */
  constrain?: (x: F32Tensor, sigma: number) => F32Tensor;
  signal?: AbortSignal;
  onStep?: (step: number, total: number, x: F32Tensor, denoised: F32Tensor) => void;
}

export async function denoise(opts: DenoiseOptions): Promise<F32Tensor> {
  const n = opts.sigmas.length - 1;
  const sigmaMax = opts.sigmas[0];
  const constrain = opts.constrain ?? ((v: F32Tensor) => v);
  let x = constrain(opts.x, opts.sigmas[0]);
  let state: SamplerState = INITIAL_SAMPLER_STATE;
  for (let i = 0; i < n; i++) {
    const sigma = opts.sigmas[i];
    const sigmaNext = opts.sigmas[i + 1];
    const passes = opts.recurrent(i) && sigmaNext > 0 ? 2 : 1;
    const before = state;
    let stepped = { x, state };
    let denoised = x;
    for (let pass = 0; pass < passes; pass++) {
      if (opts.signal?.aborted) throw abortError();
      const predictions = await opts.predict(x, sigma, i, pass);
      const guided = applyGuidance(opts.guidance, predictions, { sigma, sigmaNext, sigmaMax });
      denoised = guided.denoised;
      const noise = opts.sampler.stochastic ? opts.noise.next(x.dims) : undefined;
      stepped = opts.sampler.step(before, {
        x, sigma, sigmaNext, denoised: guided.denoised, denoisedForNoise: guided.denoisedForNoise, noise,
      });
      // Pass 0 of a recurrent step: return to sigma_i with fresh noise, then redo the step from there.
      if (pass === 0 && passes === 2) x = constrain(renoise(stepped.x, sigmaNext, sigma, opts.noise.next(x.dims)), sigma);
    }
    x = constrain(stepped.x, sigmaNext);
    state = stepped.state;
    opts.onStep?.(i + 1, n, x, denoised);
  }
  return x;
}

function abortError(): Error {
  return Object.assign(new Error('Sampling interrupted.'), { name: 'AbortError', code: 'E_INTERRUPTED' });
}
