/**
 * Re-noising for Cones 2 self-recurrence (docs/method.md section 6; the reference runs every guided step twice):
 * after a step sigma_i -> sigma_(i+1), add independent Gaussian noise to climb back to sigma_i,
 *
 *   x <- x + sqrt(sigma_i^2 - sigma_(i+1)^2) * z,      z ~ N(0, I)
 *
 * which is exact in sigma space because variances of independent noise add (x = x0 + sigma * eps).
 *
 * Pass 2 must repeat the step from the SAME sampler state as pass 1: sampler steps are pure, so keep the state
 * from before pass 1 and discard the one pass 1 returned (for DPM++ 2M it would otherwise record step i twice).
 */
import { f32, type F32Tensor } from '../tensor';
import { checkSameDims, checkSigmaPair, requireNoise } from './check';

export function renoise(x: F32Tensor, sigmaFrom: number, sigmaTo: number, noise: F32Tensor | undefined): F32Tensor {
  // sigmaFrom = sigma_(i+1) < sigmaTo = sigma_i: the same ordering rule as a step, read backwards.
  checkSigmaPair('renoise', sigmaTo, sigmaFrom);
  const z = requireNoise('renoise', noise);
  checkSameDims('renoise', x, { noise: z });
  const std = Math.sqrt(sigmaTo ** 2 - sigmaFrom ** 2);
  const out = f32(x.dims); // x at sigma_i: dims of x
  for (let k = 0; k < out.data.length; k++) out.data[k] = x.data[k] + std * z.data[k];
  return out;
}
