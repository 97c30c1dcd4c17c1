import { ModelError } from '../errors';
import { makeTensor, outputAsFloat32 } from '../onnx/input-meta';
import { f32, type F32Tensor } from '../tensor';
import type { SdModel } from './load';

/**
 * Runs the text encoder once per chunk and concatenates along the sequence axis (report improvement 1: long
 * prompts are chunked, never truncated). Returns `last_hidden_state` (after the final LayerNorm), where residuals
 * are added (docs/method.md section 2).
 */
export async function encodeChunks(model: SdModel, chunks: readonly (readonly number[])[]): Promise<F32Tensor> {
  const spec = model.inputs.textEncoder.get('input_ids')!;
  const D = model.textWidth;
  const parts: Float32Array[] = [];
  let L = 0;
  for (const ids of chunks) {
    const feeds = { input_ids: makeTensor(spec, ids, [1, ids.length]) };
    const out = await model.textEncoder.session.run(feeds);
    const hidden = out.last_hidden_state ?? out[model.textEncoder.session.outputNames[0]];
    // hidden: [1, len, D]
    if (!hidden || hidden.dims.length !== 3 || hidden.dims[1] !== ids.length || hidden.dims[2] !== D) {
      throw new ModelError('E_MODEL_UNSUPPORTED_EXPORT', `Expected the text encoder to return [1, ${ids.length}, ${D}] ` +
        `but received [${hidden?.dims.join(', ')}].`);
    }
    parts.push(outputAsFloat32(hidden, 'last_hidden_state'));
    L += ids.length;
  }
  // embedding: [1, L, D]
  const data = new Float32Array(L * D);
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return f32([1, L, D], data);
}
