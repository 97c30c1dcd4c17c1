import type { SdModel } from '../diffusion/model/load';
import type { UnetCall } from '../diffusion/model/unet';
import { gaussian } from '../diffusion/noise';
import { makeTensor } from '../diffusion/onnx/input-meta';
import type { Tensor } from '../diffusion/onnx/ort';
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

/** The feeds runUnet builds for the plain (unpatched) UNet, for a profiling session of the same file. */
export function plainUnetFeeds(model: SdModel, call: UnetCall): Record<string, Tensor> {
  const specs = model.inputs.unet;
  const batch = call.sample.dims[0];
  const t = specs.get('timestep')!;
  return {
    sample: makeTensor(specs.get('sample')!, call.sample.data, call.sample.dims),
    timestep: t.rank === 0 ? makeTensor(t, [call.timestep], []) : makeTensor(t, new Array<number>(batch).fill(call.timestep), [batch]),
    encoder_hidden_states: makeTensor(specs.get('encoder_hidden_states')!, call.context.data, call.context.dims),
  };
}
