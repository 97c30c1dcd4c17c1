/**
 * Emits new nodes and constant initializers with graph-unique names under one scope prefix, in a form
 * valid from opset 13 on (ReduceMean moved `axes` from attribute to input at opset 18).
 */
import { DataType, floatTensor, int64Tensor, node, type AttrValue, type NodeProto, type TensorProto } from '../proto';
import type { GraphIndex } from './graph-index';
import { elemTypeOf } from './elem-type';

export const MIN_OPSET = 13;
/** ONNX Slice's "to the end" (INT64_MAX); Number() is exact enough here since it is only an upper bound. */
const SLICE_END = 2 ** 62;

export class SubgraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];

  constructor(private readonly index: GraphIndex, private readonly prefix: string) {}

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, label = opType): string {
    const name = this.index.unique(`${this.prefix}${label}`);
    const output = this.index.unique(`${name}_output_0`);
    this.nodes.push(node(opType, name, inputs, [output], attrs));
    return output;
  }

  i64(values: number[], label: string): string {
    const name = this.index.unique(`${this.prefix}${label}`);
    this.initializers.push(int64Tensor(name, [values.length], values));
    return name;
  }

  /** A float32 scalar constant (rank 0, broadcasts anywhere). */
  f32(value: number, label: string): string {
    const name = this.index.unique(`${this.prefix}${label}`);
    this.initializers.push(floatTensor(name, [], [value]));
    return name;
  }

  /** x[start:end] along axis 0 of a 1-D tensor (e.g. a shape vector); end omitted = to the end. */
  slice1d(x: string, start: number, end: number | null, label: string): string {
    return this.op('Slice', [
      x, this.i64([start], `${label}_start`), this.i64([end ?? SLICE_END], `${label}_end`), this.i64([0], `${label}_axis`),
    ], {}, label);
  }

  reduceMean(x: string, axes: number[], label: string): string {
    if (this.index.opset() >= 18) return this.op('ReduceMean', [x, this.i64(axes, `${label}_axes`)], { keepdims: 1 }, label);
    return this.op('ReduceMean', [x], { axes, keepdims: 1 }, label);
  }

  cast(x: string, to: DataType, label: string): string {
    return this.op('Cast', [x], { to }, label);
  }

  /**
   * `x` (float32) converted to the element type of `ref`. CastLike (opset 15) reads that type at run time; below
   * opset 15 it is inferred from the graph (`elemTypeOf`: value_info, initializers, Cast `to`, type-keeping ops),
   * and `fallbackType` (the text input's type) decides only when the graph does not tell.
   */
  castLike(x: string, ref: string, fallbackType: number | null, label: string): string {
    if (this.index.opset() >= 15) return this.op('CastLike', [x, ref], {}, label);
    const type = elemTypeOf(this.index, ref) ?? fallbackType ?? DataType.FLOAT;
    return type === DataType.FLOAT ? x : this.cast(x, type, label);
  }
}
