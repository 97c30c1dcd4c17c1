import { makeTensor, outputAsFloat32 } from '../onnx/input-meta';
import { f32, type F32Tensor } from '../tensor';
import type { SdModel } from './load';

/** Latents [B, C, h, w] (in the UNet's scaled space) -> image [B, 3, h*f, w*f] in [-1, 1]: divide by the VAE scale, decode. */
export async function decodeLatents(model: SdModel, latents: F32Tensor): Promise<F32Tensor> {
  const scaled = new Float32Array(latents.data.length);
  for (let i = 0; i < scaled.length; i++) scaled[i] = latents.data[i] / model.vaeScalingFactor;
  const spec = model.inputs.vaeDecoder.get('latent_sample')!;
  const out = await model.vaeDecoder.session.run({ latent_sample: makeTensor(spec, scaled, latents.dims) });
  const sample = out.sample ?? out[model.vaeDecoder.session.outputNames[0]];
  return f32(sample.dims, outputAsFloat32(sample, 'sample'));
}
