/**
 * From a UNet trained as a discrete VP model (Stable Diffusion) to the denoiser D(x; sigma) the samplers use,
 * following Karras et al. 2022, table 1 ("VP" column, preconditioning of eq. 7) with sigma_data = 1:
 *
 *   x_t      = c_in x,  c_in = 1 / sqrt(sigma^2 + 1)          (sigma-space x to the UNet's VP input)
 *   timestep = t(sigma)                                        (schedule/sigma-timestep.ts)
 *   epsilon  D = x - sigma * eps                               (c_skip = 1, c_out = -sigma)
 *   v        D = x / (sigma^2 + 1) - sigma * v / sqrt(sigma^2 + 1)
 *                                                              (c_skip = 1/(sigma^2+1), c_out = -sigma/sqrt(sigma^2+1);
 *                                                               v = alpha eps - sigma_t x0, Salimans & Ho 2022)
 *   sample   D = model output
 */
import { ModelError } from '../errors';
import type { PredictionType } from '../schedule/config';
import { timestepAtSigma } from '../schedule/sigma-timestep';
import { f32, type F32Tensor } from '../tensor';
import { checkSameDims } from './check';
import { SAMPLER_CODES } from './codes';

/** The latent of a VP model has unit variance data by construction (VAE scaling), hence sigma_data = 1. */
const SIGMA_DATA = 1;

export function cIn(sigma: number): number {
  return 1 / Math.sqrt(sigma ** 2 + SIGMA_DATA ** 2);
}

/** The UNet's `sample` input for x at noise level sigma: c_in * x. */
export function modelInput(x: F32Tensor, sigma: number): F32Tensor {
  const scale = cIn(sigma);
  return f32(x.dims, x.data.map((v) => v * scale)); // [B, C, h, w]
}

/** The UNet's `timestep` input for sigma (fractional; round it if an exporter wants int64). */
export function modelTimestep(trainSigmas: Float64Array, sigma: number): number {
  return timestepAtSigma(trainSigmas, sigma);
}

/** D(x; sigma) from the UNet output, for the model's prediction type. */
export function denoisedFromOutput(x: F32Tensor, output: F32Tensor, sigma: number, predictionType: PredictionType): F32Tensor {
  checkSameDims('denoisedFromOutput', x, { output });
  let cSkip: number;
  let cOut: number;
  switch (predictionType) {
    case 'epsilon':
      cSkip = 1;
      cOut = -sigma;
      break;
    case 'v_prediction':
      cSkip = SIGMA_DATA ** 2 / (sigma ** 2 + SIGMA_DATA ** 2);
      cOut = (-sigma * SIGMA_DATA) / Math.sqrt(sigma ** 2 + SIGMA_DATA ** 2);
      break;
    case 'sample':
      cSkip = 0;
      cOut = 1;
      break;
    default:
      throw new ModelError(SAMPLER_CODES.options, 'Expected prediction type epsilon, v_prediction or sample ' +
        `but received ${String(predictionType)}.`);
  }
  const out = f32(x.dims); // D: [B, C, h, w]
  for (let k = 0; k < out.data.length; k++) out.data[k] = cSkip * x.data[k] + cOut * output.data[k];
  return out;
}
