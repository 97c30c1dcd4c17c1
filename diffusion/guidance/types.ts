/**
 * What every guidance rule returns: the two predictions a sampler step takes (diffusion/samplers/types.ts).
 * `denoised` is the x0 the step moves towards; `denoisedForNoise` is the prediction whose implied noise the step
 * carries to the next noise level (D_u under CFG++, the same tensor as `denoised` otherwise).
 */
import { ModelError } from '../errors';
import { f32, type F32Tensor } from '../tensor';
import { GUIDANCE_CODES } from './codes';

export interface GuidedDenoised {
  readonly denoised: F32Tensor;
  readonly denoisedForNoise: F32Tensor;
}

/** The two UNet passes of one step, already turned into denoised predictions D(x; sigma). */
export interface GuidancePredictions {
  /** D_c: [B, C, h, w], conditional branch (carries the residuals and the layout bias). */
  readonly denoisedCond: F32Tensor;
  /** D_u: same dims, unconditional branch. */
  readonly denoisedUncond: F32Tensor;
}

/** D_u + scale * (D_c - D_u), the extrapolation shared by CFG and CFG++ (with scale = lambda). */
export function extrapolate(name: string, predictions: GuidancePredictions, scale: number): F32Tensor {
  const { denoisedCond: c, denoisedUncond: u } = predictions;
  if (c.dims.length !== u.dims.length || c.dims.some((d, i) => d !== u.dims[i])) {
    throw new ModelError(GUIDANCE_CODES.shape, `Expected conditional and unconditional predictions of equal dims for ${name} ` +
      `but received [${c.dims.join(', ')}] and [${u.dims.join(', ')}].`, {
      hint: 'Split the batched UNet output into its two halves before guidance.',
    });
  }
  const out = f32(u.dims); // D_guided: [B, C, h, w]
  for (let k = 0; k < out.data.length; k++) out.data[k] = u.data[k] + scale * (c.data[k] - u.data[k]);
  return out;
}

export function checkFiniteParam(name: string, param: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new ModelError(GUIDANCE_CODES.param, `Expected a finite ${param} for ${name} but received ${value}.`);
  }
}
