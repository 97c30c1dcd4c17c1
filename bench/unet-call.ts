import type { SdModel } from '../diffusion/model/load';
import type { UnetCall } from '../diffusion/model/unet';
import { gaussian } from '../diffusion/noise';
import { f32 } from '../diffusion/tensor';

/** A mid-schedule timestep: the UNet's cost does not depend on it. */
const TIMESTEP = 500;

/** A CFG-batch UNet call at the model's native latent size with standard-normal inputs and context length L. */
export function randomUnetCall(model: SdModel, L: number, batch = 2): UnetCall {
  const side = model.defaultSize / model.vaeFactor;
  const sample = gaussian(1, [batch, model.latentChannels, side, side]); // [B, C, h, w]
  const context = gaussian(2, [batch, L, model.textWidth]); // [B, L, D]
  return { sample: f32(sample.dims, sample.data), context: f32(context.dims, context.data), timestep: TIMESTEP };
}
