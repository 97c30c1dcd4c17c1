/**
 * Error codes raised by diffusion/onnx (session loading, input feeding, UNet surgery).
 * Every one is thrown as a `ModelError` (diffusion/errors.ts) with this code.
 *
 * - E_MODEL_FILE_MISSING      a model file (or the source of a surgery) does not exist.
 * - E_ONNX_LOAD               onnxruntime (or the protobuf decoder) rejected a model file.
 * - E_CPU_THREADS             CONES_CPU_THREADS is not a whole number >= 0.
 * - E_ONNX_DTYPE              an input has a data type makeTensor cannot build (string, bool, uint8...).
 * - E_ONNX_INPUT              values or dims given for an input do not fit its declared rank or size.
 * - E_SURGERY_OPSET           the model's default-domain opset is below the minimum the surgery writes (13).
 * - E_SURGERY_NO_INPUT        the graph has no input named like the text-conditioning input (encoder_hidden_states).
 * - E_SURGERY_NO_ATTENTION    no cross-attention was found, so a patched model would be identical to the source.
 * - E_SURGERY_ALREADY_PATCHED the source already has layout inputs (it is a patched model, not the export).
 * - E_SURGERY_EXTERNAL_DATA   an external-data reference cannot be kept valid where the patched model is written.
 */
export const ONNX_ERROR_CODES = {
  E_MODEL_FILE_MISSING: 'E_MODEL_FILE_MISSING',
  E_ONNX_LOAD: 'E_ONNX_LOAD',
  E_CPU_THREADS: 'E_CPU_THREADS',
  E_ONNX_DTYPE: 'E_ONNX_DTYPE',
  E_ONNX_INPUT: 'E_ONNX_INPUT',
  E_SURGERY_OPSET: 'E_SURGERY_OPSET',
  E_SURGERY_NO_INPUT: 'E_SURGERY_NO_INPUT',
  E_SURGERY_NO_ATTENTION: 'E_SURGERY_NO_ATTENTION',
  E_SURGERY_ALREADY_PATCHED: 'E_SURGERY_ALREADY_PATCHED',
  E_SURGERY_EXTERNAL_DATA: 'E_SURGERY_EXTERNAL_DATA',
} as const;

export type OnnxErrorCode = keyof typeof ONNX_ERROR_CODES;

/** Shown with E_MODEL_FILE_MISSING so users know where the loader looks. */
export const SD_FOLDER_LAYOUT = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'tokenizer/{vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json}',
  'text_encoder/model.onnx',
  'unet/model.onnx (+ model.onnx_data or weights.pb beside it)',
  'vae_decoder/model.onnx',
].join('\n  ');
