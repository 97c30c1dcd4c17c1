/**
 * Thin helpers over onnx-buf (ONNX 1.20 schema, @bufbuild/protobuf v2). onnx-buf is used rather than
 * onnx-proto because it keeps fields newer than ONNX 1.10 instead of silently dropping them, and it
 * decodes raw weights as zero-copy views into the file buffer.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttrType,
  AttributeProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataType as DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { ModelError } from '../errors';

export { AttrType, DataType };
export type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto };
export type { GraphProto } from 'onnx-buf';

export function decodeModel(bytes: Uint8Array, source = '<bytes>'): ModelProto {
  try {
    const model = fromBinary(ModelProtoSchema, bytes);
    if (!model.graph) throw new Error('the ModelProto has no graph');
    return model;
  } catch (err) {
    throw new ModelError('E_ONNX_LOAD', `Expected an ONNX ModelProto in ${source} ` +
      `but it could not be decoded: ${(err as Error).message}.`, {
      hint: 'Check that the file is an .onnx model (not its external weights file) and is not truncated.',
      cause: err,
    });
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}

/** Attribute values accepted by `node()`; numbers become INT when integral, else FLOAT. */
export type AttrValue = number | bigint | string | number[] | bigint[] | TensorProto | { float: number } | { ints: number[] };

export function attr(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'bigint') return create(AttributeProtoSchema, { name, type: AttrType.INT, i: value });
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(value) })
      : create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: value });
  }
  if (typeof value === 'string') return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) {
    return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: (value as (number | bigint)[]).map((v) => BigInt(v)) });
  }
  if ('float' in value) return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: value.float });
  if ('ints' in value) return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: value.ints.map(BigInt) });
  return create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: value });
}

export function node(
  opType: string, name: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}, domain = '',
): NodeProto {
  return create(NodeProtoSchema, {
    opType, name, input, output, domain,
    attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)),
  });
}

export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const data = Float32Array.from(values);
  return create(TensorProtoSchema, {
    name, dims: dims.map(BigInt), dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

export function int64Tensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const data = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  return create(TensorProtoSchema, {
    name, dims: dims.map(BigInt), dataType: DataType.INT64,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

/** A tensor whose bytes live in `location` (relative to the model file) at `offset`. */
export function externalTensor(
  name: string, dims: readonly number[], dataType: number, location: string, offset: number, length: number,
): TensorProto {
  return create(TensorProtoSchema, {
    name, dims: dims.map(BigInt), dataType, dataLocation: 1,
    externalData: [
      create(StringStringEntryProtoSchema, { key: 'location', value: location }),
      create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
      create(StringStringEntryProtoSchema, { key: 'length', value: String(length) }),
    ],
  });
}

/** A graph input/output declaration; a string dim is symbolic, `null` dims means unknown shape. */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[] | null): ValueInfoProto {
  const shape = dims
    ? create(TensorShapeProtoSchema, {
        dim: dims.map((d) => create(TensorShapeProto_DimensionSchema, {
          value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
        })),
      })
    : undefined;
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType, shape }) } }),
  });
}

/** Static dims of a value info: numbers where known, null where symbolic; null overall if no shape. */
export function valueInfoDims(info: ValueInfoProto | undefined): (number | null)[] | null {
  if (info?.type?.value.case !== 'tensorType') return null;
  const shape = info.type.value.value.shape;
  return shape ? shape.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : null)) : null;
}

export function valueInfoElemType(info: ValueInfoProto | undefined): number | null {
  return info?.type?.value.case === 'tensorType' ? info.type.value.value.elemType : null;
}

export function metadataEntry(key: string, value: string) {
  return create(StringStringEntryProtoSchema, { key, value });
}

export function attrOf(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}
