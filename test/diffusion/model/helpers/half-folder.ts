/**
 * A copy of the shapes model folder with its three graphs in float16 or bfloat16 (weights, inputs, outputs, Casts),
 * as a half-precision export would be: the same trained weights rounded, so outputs can be compared with the fp32
 * originals. Resize's `scales` input stays float32 (ONNX requires it), as exporters leave it. With `externalData`
 * the UNet's weights move to `unet/model.onnx_data`, as real exports store them.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertFloatBytes, inlineBytes, retypeGraph, setInlineBytes, type FloatType } from '../../../../diffusion/onnx/convert/retype';
import { DataType, decodeModel, encodeModel, type ModelProto } from '../../../../diffusion/onnx/proto';
import { scratchDir } from '../../../helpers/scratch';
import { externalise } from './sd21-like';

export function halfGraph(model: ModelProto, to: FloatType): ModelProto {
  const g = model.graph!;
  const scales = new Set(g.node.filter((n) => n.opType === 'Resize').map((n) => n.input[2]));
  const keep = new Set(g.node.filter((n) => n.opType === 'Constant' && scales.has(n.output[0])).map((n) => n.attribute[0].t!));
  retypeGraph(g, DataType.FLOAT, to, (t) => {
    if (!keep.has(t)) setInlineBytes(t, convertFloatBytes(inlineBytes(t, DataType.FLOAT), DataType.FLOAT, to));
  });
  for (const t of keep) t.dataType = DataType.FLOAT; // retypeGraph set the type after the callback left the bytes
  return model;
}

export function makeHalfFolder(source: string, to: FloatType, opts: { externalData?: boolean } = {}): string {
  const dir = scratchDir(to === DataType.FLOAT16 ? 'fp16-folder' : 'bf16-folder');
  cpSync(source, dir, { recursive: true });
  for (const part of ['text_encoder', 'unet', 'vae_decoder']) {
    const path = join(dir, part, 'model.onnx');
    const model = halfGraph(decodeModel(readFileSync(path)), to);
    if (part === 'unet' && opts.externalData) externalise(model, join(dir, part), 'model.onnx_data');
    writeFileSync(path, encodeModel(model));
  }
  return dir;
}
