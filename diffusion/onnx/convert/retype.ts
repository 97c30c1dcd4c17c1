/**
 * Rewriting every tensor of one floating-point element type in an ONNX graph into another (float16 or bfloat16 ->
 * float32 for the CPU provider; float32 -> float16 to build fp16 test graphs). Covers what a Stable Diffusion export
 * holds: initializers, Constant / ConstantOfShape tensors, Cast and dtype attributes, graph inputs, outputs and
 * value_info, and nested subgraphs (If / Loop bodies). Tensor bytes are converted by a callback, so a caller decides
 * where they come from and go (inline bytes, or external data streamed one tensor at a time).
 */
import { bfloat16ToFloat, halfToFloat, toHalfBits } from '../../half-precision';
import { DataType, type AttributeProto, type GraphProto, type TensorProto, type ValueInfoProto } from '../proto';

export type FloatType = typeof DataType.FLOAT | typeof DataType.FLOAT16 | typeof DataType.BFLOAT16;

/** Bytes per element of the float types this module converts between. */
export const FLOAT_WIDTH: Record<FloatType, number> = { [DataType.FLOAT]: 4, [DataType.FLOAT16]: 2, [DataType.BFLOAT16]: 2 };

/**
 * Called for every tensor of the `from` type; must leave it holding `to` data (its dataType is set afterwards).
 * `initializer` is false for tensors inside node attributes (Constant values), which must stay inline.
 */
export type TensorRewrite = (tensor: TensorProto, initializer: boolean) => void;

export interface RetypeCount { tensors: number; casts: number; values: number }

/** Retypes `graph` (and its subgraphs) in place. */
export function retypeGraph(graph: GraphProto, from: FloatType, to: FloatType, rewrite: TensorRewrite): RetypeCount {
  const count: RetypeCount = { tensors: 0, casts: 0, values: 0 };
  const tensor = (t: TensorProto | undefined, initializer = false): void => {
    if (!t || t.dataType !== from) return;
    rewrite(t, initializer);
    t.dataType = to;
    count.tensors++;
  };
  const value = (v: ValueInfoProto): void => {
    if (v.type?.value.case === 'tensorType' && v.type.value.value.elemType === from) {
      v.type.value.value.elemType = to;
      count.values++;
    }
  };
  const attribute = (a: AttributeProto): void => {
    tensor(a.t);
    a.tensors.forEach((t) => tensor(t));
    if (a.sparseTensor) tensor(a.sparseTensor.values);
    // Cast.to, EyeLike / RandomNormal(Like) / RandomUniform(Like) .dtype, ...: an INT attribute naming an element type.
    if ((a.name === 'to' || a.name === 'dtype') && Number(a.i) === from) {
      a.i = BigInt(to);
      count.casts++;
    }
    if (a.g) walk(a.g);
    a.graphs.forEach(walk);
  };
  const walk = (g: GraphProto): void => {
    g.initializer.forEach((t) => tensor(t, true));
    g.sparseInitializer.forEach((s) => tensor(s.values));
    [...g.input, ...g.output, ...g.valueInfo].forEach(value);
    for (const n of g.node) n.attribute.forEach(attribute);
  };
  walk(graph);
  return count;
}

/** Float element types that occur anywhere in the graph's tensors and declarations (cheap: no data is read). */
export function floatTypesIn(graph: GraphProto): Set<number> {
  const found = new Set<number>();
  const floats = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16, DataType.DOUBLE]);
  const note = (t: number | undefined): void => { if (t !== undefined && floats.has(t)) found.add(t); };
  const walk = (g: GraphProto): void => {
    g.initializer.forEach((t) => note(t.dataType));
    for (const v of [...g.input, ...g.output, ...g.valueInfo]) {
      if (v.type?.value.case === 'tensorType') note(v.type.value.value.elemType);
    }
    for (const n of g.node) {
      for (const a of n.attribute) {
        note(a.t?.dataType);
        if (n.opType === 'Cast' && a.name === 'to') note(Number(a.i));
        if (a.g) walk(a.g);
        a.graphs.forEach(walk);
      }
    }
  };
  walk(graph);
  return found;
}

/**
 * Little-endian element bytes of `from` -> bytes of `to`. float16 and bfloat16 widen exactly to float32;
 * float32 -> float16 rounds to nearest even (out-of-range values become infinities, as torch's .half() does).
 */
export function convertFloatBytes(bytes: Uint8Array, from: FloatType, to: FloatType): Uint8Array {
  if (from === to) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / FLOAT_WIDTH[from];
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (from === DataType.FLOAT) values[i] = view.getFloat32(i * 4, true);
    else if (from === DataType.FLOAT16) values[i] = halfToFloat(view.getUint16(i * 2, true));
    else values[i] = bfloat16ToFloat(view.getUint16(i * 2, true));
  }
  if (to === DataType.FLOAT) return new Uint8Array(values.buffer);
  if (to === DataType.FLOAT16) return new Uint8Array(toHalfBits(values).buffer);
  // bfloat16: the top 16 bits, rounded to nearest even.
  const u = new Uint32Array(values.buffer);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = (u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16;
  return new Uint8Array(out.buffer);
}

/**
 * The element bytes of an inline tensor: raw_data, or the typed field ONNX uses otherwise (float_data for float32;
 * int32_data holding one 16-bit pattern per entry for float16 / bfloat16).
 */
export function inlineBytes(t: TensorProto, type: FloatType): Uint8Array {
  if (t.rawData.length > 0) return t.rawData;
  if (type === DataType.FLOAT) return new Uint8Array(Float32Array.from(t.floatData).buffer);
  return new Uint8Array(Uint16Array.from(t.int32Data).buffer);
}

/** Replaces an inline tensor's data with `bytes` as raw_data, clearing the typed fields. */
export function setInlineBytes(t: TensorProto, bytes: Uint8Array): void {
  t.rawData = new Uint8Array(bytes); // a copy owning a plain ArrayBuffer, as the proto field is typed
  t.floatData = [];
  t.int32Data = [];
}
