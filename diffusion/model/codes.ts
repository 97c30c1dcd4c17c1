import type { CodeTable } from '../../errors/code-table';

/**
 * Error codes raised by diffusion/model (reading a Stable Diffusion ONNX folder, running its parts), each thrown as a
 * `ModelError`.
 */
export const MODEL_ERRORS = {
  E_MODEL_FOLDER_MISSING: { summary: 'The model folder does not exist (or is not a folder).' },
  E_MODEL_FOLDER_INCOMPLETE: {
    summary: 'The model folder lacks a required file of the Stable Diffusion ONNX layout (the message lists them).',
  },
  E_MODEL_CONFIG: { summary: 'A required config of the model folder (scheduler_config.json) is not a JSON object.' },
  E_MODEL_UNSUPPORTED_EXPORT: {
    summary: 'The export does not fit what the loader supports: diffusers/Optimum input names, a known text width, ' +
      'epsilon or v_prediction, [1, L, D] text encoder output.',
  },
  E_MODEL_NO_VAE_ENCODER: { summary: 'An image input needs vae_encoder/model.onnx, which the model folder lacks.' },
  E_UNET_LAYER_RESOLUTION: {
    summary: 'A cross-attention layer has a dynamic query length and no diffusers block name, so its resolution is unknown.',
  },
  E_UNET_LAYOUT_FEEDS: { summary: 'Layout inputs were given for a different number of layers than the patched UNet has.' },
  E_UNET_LAYOUT_UNAVAILABLE: { summary: 'A layout-guided run on a UNet the surgery could not patch (or whose patched file could not be written).' },
} as const satisfies CodeTable;

export type SdModelErrorCode = keyof typeof MODEL_ERRORS;
