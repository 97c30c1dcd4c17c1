import { ModelError } from '../errors';
import { inputSpecs, makeTensor, outputAsFloat32 } from '../onnx/input-meta';
import { createSession } from '../onnx/session';
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

/**
 * Image [1, 3, H, W] in [-1, 1] -> latents [1, C, H/f, W/f] in the UNet's scaled space: encode, then multiply by the
 * VAE scale. The encoder (vae_encoder/, optional in a model folder) is opened on first use, on the model's provider.
 * Exports that return the distribution's parameters ([B, 2C, h, w]: mean then log-variance, as newer Optimum
 * exports do) give their mean; exports that return a latent (sampled or deterministic) give it as is.
 */
export async function encodeImage(model: SdModel, image: F32Tensor): Promise<F32Tensor> {
  const path = model.folder.vaeEncoder;
  if (!path) {
    throw new ModelError('E_MODEL_NO_VAE_ENCODER', `Expected ${model.folder.root} to have vae_encoder/model.onnx for image inputs ` +
      'but it has none.', { hint: 'Export the model with its VAE encoder (optimum exports it by default), or use a text-to-image graph.' });
  }
  const f = model.vaeFactor;
  const [, , height, width] = image.dims;
  if (height % f || width % f) {
    throw new ModelError('E_IMAGE_SIZE', `Expected an image whose sides are multiples of ${f} for this model but received ${width}x${height}.`, {
      hint: `Resize it first (ResizeImage) to ${Math.round(width / f) * f}x${Math.round(height / f) * f}.`,
    });
  }
  const { session } = await createSession(path, { provider: model.provider });
  const spec = inputSpecs(session).get('sample');
  if (!spec) {
    throw new ModelError('E_MODEL_UNSUPPORTED_EXPORT', `Expected the VAE encoder of ${model.folder.root} to take an input "sample" ` +
      `but it takes ${session.inputNames.join(', ')}.`);
  }
  const out = await session.run({ sample: makeTensor(spec, image.data, image.dims) });
  const result = out[session.outputNames[0]];
  const raw = outputAsFloat32(result, session.outputNames[0]); // [1, C or 2C, h, w]
  const [b, channels, h, w] = result.dims;
  const c = model.latentChannels;
  if (b !== 1 || (channels !== c && channels !== 2 * c) || h !== height / f || w !== width / f) {
    throw new ModelError('E_MODEL_UNSUPPORTED_EXPORT', `Expected the VAE encoder to return [1, ${c} or ${2 * c}, ${height / f}, ${width / f}] ` +
      `but received [${result.dims.join(', ')}].`);
  }
  const latent = f32([1, c, h, w]);
  for (let i = 0; i < latent.data.length; i++) latent.data[i] = raw[i] * model.vaeScalingFactor; // the mean is the first C channels
  return latent;
}
