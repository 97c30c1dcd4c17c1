/**
 * Read-only lookups over one ONNX graph: who produces and who consumes each tensor, which tensors are
 * constant or only derived from shapes, and the values of small constant vectors (Reshape targets,
 * Transpose perms). The surgery's pattern matching is written against this index.
 */
import {
  AttrType, DataType, attrOf, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from '../proto';

/** Ops whose output is a function of shapes only (no tensor values flow through). */
const SHAPE_SOURCES = new Set(['Shape', 'Size', 'ConstantOfShape']);

export class GraphIndex {
  readonly graph: GraphProto;
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly initializers = new Map<string, TensorProto>();
  readonly valueInfo = new Map<string, ValueInfoProto>();
  readonly graphInputs = new Set<string>();
  private readonly paramMemo = new Map<string, boolean>();
  private readonly usedNames = new Set<string>();

  constructor(readonly model: ModelProto) {
    this.graph = model.graph!;
    for (const t of this.graph.initializer) this.initializers.set(t.name, t);
    for (const v of [...this.graph.input, ...this.graph.output, ...this.graph.valueInfo]) this.valueInfo.set(v.name, v);
    for (const v of this.graph.input) if (!this.initializers.has(v.name)) this.graphInputs.add(v.name);
    for (const n of this.graph.node) {
      if (n.name) this.usedNames.add(n.name);
      for (const o of n.output) { this.producer.set(o, n); this.usedNames.add(o); }
      for (const i of n.input) {
        if (!i) continue;
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
    for (const name of [...this.initializers.keys(), ...this.graphInputs]) this.usedNames.add(name);
  }

  /** Opset version imported for `domain` ('' = default ONNX domain), 0 when not imported. */
  opset(domain = ''): number {
    const entry = this.model.opsetImport.find((o) => o.domain === domain || (domain === '' && o.domain === 'ai.onnx'));
    return entry ? Number(entry.version) : 0;
  }

  /** A name not yet used by any tensor or node; reserves it. */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.usedNames.has(name); k++) name = `${base}_${k}`;
    this.usedNames.add(name);
    return name;
  }

  /**
   * True for "parameter-like" tensors: weights, constants, and anything computed only from them and
   * from shapes (e.g. the 1/sqrt(sqrt(d)) scale PyTorch 2 builds from Shape(q)). Such operands do not
   * carry activations, so a trace follows the other operand.
   */
  isParam(tensor: string): boolean {
    // Iterative post-order walk: an activation's ancestry runs back through the whole UNet (thousands
    // of nodes), too deep for recursion.
    const stack = [tensor];
    while (stack.length) {
      const t = stack[stack.length - 1];
      if (!t || this.paramMemo.has(t)) { stack.pop(); continue; }
      const direct = this.directParam(t);
      if (direct !== null) { this.paramMemo.set(t, direct); stack.pop(); continue; }
      const inputs = this.producer.get(t)!.input.filter((i) => i);
      if (inputs.some((i) => this.paramMemo.get(i) === false)) { this.paramMemo.set(t, false); stack.pop(); continue; }
      const pending = inputs.filter((i) => !this.paramMemo.has(i));
      if (pending.length) { stack.push(pending[0]); continue; } // one at a time: a false input ends the node early
      this.paramMemo.set(t, true);
      stack.pop();
    }
    return !tensor || this.paramMemo.get(tensor)!;
  }

  /** Whether `tensor` is a parameter without looking at its producer's inputs; null = depends on them. */
  private directParam(tensor: string): boolean | null {
    if (this.initializers.has(tensor)) return true;
    if (this.graphInputs.has(tensor)) return false;
    const n = this.producer.get(tensor);
    if (!n) return false;
    if (n.opType === 'Constant' || SHAPE_SOURCES.has(n.opType)) return true;
    return null;
  }

  /**
   * Elements of a small integer vector when they can be read statically; unknown elements are null
   * (e.g. the batch entry of a Reshape target built by Concat(Unsqueeze(Gather(Shape(x))), [-1], [8], [40])).
   */
  constVector(tensor: string, depth = 0): (number | null)[] | null {
    if (depth > 8) return null;
    const init = this.initializers.get(tensor);
    if (init) return tensorValues(init);
    const n = this.producer.get(tensor);
    if (!n) return null;
    switch (n.opType) {
      case 'Constant': {
        const value = attrOf(n, 'value');
        if (value?.t) return tensorValues(value.t);
        const ints = attrOf(n, 'value_ints');
        if (ints) return ints.ints.map(Number);
        const one = attrOf(n, 'value_int');
        return one ? [Number(one.i)] : null;
      }
      case 'Concat': {
        const parts = n.input.map((i) => this.constVector(i, depth + 1) ?? [null]);
        return parts.flat();
      }
      case 'Unsqueeze':
      case 'Cast':
      case 'Identity':
        return this.constVector(n.input[0], depth + 1) ?? [null];
      default:
        return null;
    }
  }

  intsAttr(node: NodeProto, name: string): number[] | null {
    const a = attrOf(node, name);
    return a && a.type === AttrType.INTS ? a.ints.map(Number) : null;
  }

  intAttr(node: NodeProto, name: string): number | null {
    const a = attrOf(node, name);
    return a && a.type === AttrType.INT ? Number(a.i) : null;
  }

  floatAttr(node: NodeProto, name: string): number | null {
    const a = attrOf(node, name);
    return a && a.type === AttrType.FLOAT ? a.f : null;
  }
}

/** Values of an int64/int32/float initializer held inline; null for external or other types. */
function tensorValues(tensor: TensorProto): number[] | null {
  if (tensor.dataLocation === 1) return null;
  const raw = tensor.rawData;
  if (raw.byteLength > 0) {
    const copy = new Uint8Array(raw); // aligned copy (raw may be an unaligned view into a Buffer pool)
    if (tensor.dataType === DataType.INT64) return Array.from(new BigInt64Array(copy.buffer), Number);
    if (tensor.dataType === DataType.INT32) return Array.from(new Int32Array(copy.buffer));
    if (tensor.dataType === DataType.FLOAT) return Array.from(new Float32Array(copy.buffer));
    return null;
  }
  if (tensor.int64Data.length) return tensor.int64Data.map(Number);
  if (tensor.int32Data.length) return [...tensor.int32Data];
  if (tensor.floatData.length) return [...tensor.floatData];
  return null;
}
