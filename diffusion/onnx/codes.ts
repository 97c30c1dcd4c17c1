import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/onnx (session loading, input feeding, UNet surgery), each thrown as a `ModelError`. */
export const ONNX_ERRORS = {
  E_MODEL_FILE_MISSING: { summary: 'A model file (or the source of a surgery) does not exist.' },
  E_ONNX_LOAD: { summary: 'onnxruntime (or the protobuf decoder) rejected a model file.' },
  E_CPU_THREADS: { summary: 'CONES_CPU_THREADS is not a whole number >= 0.' },
  E_ONNX_KERNEL_MISSING: {
    summary: 'The execution provider has no kernel for an op at the type the export uses, and converting the model to float32 did not help.',
  },
  E_ONNX_CONVERT: { summary: 'A float32 copy of a float16 / bfloat16 model could not be written or read.' },
  E_ONNX_DTYPE: { summary: 'A model input has a data type that cannot be fed (string, bool, uint8...).' },
  E_ONNX_INPUT: { summary: 'A model input is missing, or the values or dims given for it do not fit its declared rank or size.' },
  E_SURGERY_OPSET: { summary: 'The model\'s default-domain opset is below the minimum the surgery writes (13).' },
  E_SURGERY_QUERY_SLICES: { summary: 'The number of self-attention query slices asked of the surgery is not an integer in range.' },
  E_UNET_MEMORY: { summary: 'CONES_UNET_MEMORY names no memory setting of the UNet session (default or lean).' },
  E_SURGERY_NO_INPUT: { summary: 'The graph has no input named like the text-conditioning input (encoder_hidden_states).' },
  E_SURGERY_NO_ATTENTION: { summary: 'No cross-attention was found, so a patched model would be identical to the source.' },
  E_SURGERY_ALREADY_PATCHED: { summary: 'The source already has layout inputs (it is a patched model, not the export).' },
  E_SURGERY_EXTERNAL_DATA: {
    summary: 'An external-data reference cannot be kept valid where the patched model is written ' +
      '(or the output would overwrite the source).',
  },
} as const satisfies CodeTable;

export type OnnxErrorCode = keyof typeof ONNX_ERRORS;

/** Shown with E_MODEL_FILE_MISSING so users know where the loader looks. */
export const SD_FOLDER_LAYOUT = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'tokenizer/{vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json}',
  'text_encoder/model.onnx',
  'unet/model.onnx (+ model.onnx_data or weights.pb beside it)',
  'vae_decoder/model.onnx',
].join('\n  ');
