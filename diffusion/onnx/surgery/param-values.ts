/**
 * What the query slicing needs to know about a parameter operand of the ops between a score MatMul and its Softmax
 * without running the graph: whether it holds one element (a scale, which broadcasts over any slice of the logits) or
 * is all zeros (the `beta = 0` input of an exported `baddbmm`, a ConstantOfShape as large as the logits).
 */
import { attrOf, type TensorProto } from '../proto';
import type { GraphIndex } from './graph-index';

/** Element-wise ops: one element in, one element out. */
const ELEMENTWISE = new Set(['Mul', 'Div', 'Add', 'Sub', 'Pow', 'Sqrt', 'Reciprocal', 'Neg', 'Cast', 'Identity', 'CastLike']);
const MAX_DEPTH = 12;

const elementCount = (t: TensorProto): number => t.dims.reduce((p, d) => p * Number(d), 1);

/** True when `tensor` provably holds exactly one element (rank 0 or all dims 1). */
export function isSingleElement(index: GraphIndex, tensor: string, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  const init = index.initializers.get(tensor);
  if (init) return elementCount(init) === 1;
  const n = index.producer.get(tensor);
  if (!n) return false;
  if (n.opType === 'Constant') {
    const value = attrOf(n, 'value');
    if (value?.t) return elementCount(value.t) === 1;
    return Boolean(attrOf(n, 'value_float') || attrOf(n, 'value_int'));
  }
  if (ELEMENTWISE.has(n.opType)) return n.input.filter((i) => i).every((i) => isSingleElement(index, i, depth + 1));
  if (n.opType === 'Slice' && index.producer.get(n.input[0])?.opType === 'Shape') {
    // One entry of a shape vector: Slice(Shape(x), [s], [s + 1]) or [-1, end].
    const [start] = index.constVector(n.input[1]) ?? [null], [end] = index.constVector(n.input[2]) ?? [null];
    if (start === null || end === null) return false;
    return (start >= 0 && end === start + 1) || (start === -1 && end >= 2 ** 31);
  }
  if (n.opType === 'Gather' && index.producer.get(n.input[0])?.opType === 'Shape') return isSingleElement(index, n.input[1], depth + 1);
  return false;
}

/** True when `tensor` is provably all zeros: ConstantOfShape of 0, or a product with a zero. */
export function isZeros(index: GraphIndex, tensor: string, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  const init = index.initializers.get(tensor);
  if (init) return constantIsZero(init);
  const n = index.producer.get(tensor);
  if (!n) return false;
  switch (n.opType) {
    case 'ConstantOfShape': {
      const value = attrOf(n, 'value');
      return !value?.t || constantIsZero(value.t); // the default value is a float 0
    }
    case 'Constant': {
      const value = attrOf(n, 'value');
      return Boolean(value?.t) && constantIsZero(value!.t!);
    }
    case 'Mul':
      return n.input.some((i) => i && isZeros(index, i, depth + 1));
    case 'Cast': case 'Identity': case 'Expand': case 'Reshape': case 'Unsqueeze': case 'Squeeze': case 'Transpose':
      return isZeros(index, n.input[0], depth + 1);
    default:
      return false;
  }
}

/** An inline constant all of whose values are 0 (external data is never read here: false). */
function constantIsZero(t: TensorProto): boolean {
  if (t.dataLocation === 1) return false;
  if (t.rawData.byteLength > 0) return t.rawData.every((b) => b === 0); // +0 in every float/int encoding
  const lists = [t.floatData, t.int32Data, t.int64Data, t.doubleData];
  const values = lists.find((l) => l.length > 0);
  return values !== undefined && values.every((v) => Number(v) === 0);
}
