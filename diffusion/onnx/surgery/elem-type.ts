/**
 * The element type of a tensor in an ONNX graph, found without running it: from its value_info, its initializer, a
 * Cast's `to`, or by walking back through ops that keep their input's type. The surgery needs it below opset 15,
 * where CastLike does not exist: the layout bias must be cast to the type of the logits it is added to, which is
 * float32 after an attention "upcast" Cast even in a float16 export (SD 2.1 fp16), so the text input's type is the
 * wrong guide.
 */
import { attrOf, valueInfoElemType } from '../proto';
import type { GraphIndex } from './graph-index';

/** Ops whose output has the element type of their first input (all those attention subgraphs use). */
const SAME_TYPE_AS_INPUT0 = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'MatMul', 'Gemm', 'Einsum', 'Softmax', 'Reshape', 'Transpose', 'Identity', 'Squeeze',
  'Unsqueeze', 'Flatten', 'Expand', 'Slice', 'Gather', 'Concat', 'Sqrt', 'Neg', 'Abs', 'Exp', 'Erf', 'Tanh', 'Relu',
  'Sigmoid', 'Pow', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'Dropout', 'Split', 'Tile', 'Pad', 'LayerNormalization',
]);
/** Walks stop after this many producers (attention subgraphs need a handful). */
const MAX_STEPS = 64;

/** ONNX DataType of `tensor`, or null when the graph does not tell. */
export function elemTypeOf(index: GraphIndex, tensor: string): number | null {
  let current = tensor;
  for (let step = 0; step < MAX_STEPS; step++) {
    const known = valueInfoElemType(index.valueInfo.get(current));
    if (known) return known;
    const init = index.initializers.get(current);
    if (init) return init.dataType;
    const producer = index.producer.get(current);
    if (!producer) return null;
    if (producer.opType === 'Cast') {
      const to = attrOf(producer, 'to');
      return to ? Number(to.i) : null;
    }
    if (producer.opType === 'CastLike') return elemTypeOf(index, producer.input[1]);
    if (producer.opType === 'Where') current = producer.input[1];
    else if (SAME_TYPE_AS_INPUT0.has(producer.opType)) current = producer.input[0];
    else return null;
  }
  return null;
}
