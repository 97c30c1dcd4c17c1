/**
 * Reading what a session expects, so callers adapt to exporter differences at run time instead of
 * hard-coding them: `input_ids` is int32 (older exports) or int64 (newer); `timestep` is int64 or float32,
 * of rank 1 [batch] or rank 0 (Optimum >= 1.24). See docs/runtime-facts.md.
 *
 * onnxruntime-node 1.30 `inputMetadata` is an array of `{ name, isTensor, type, shape }` where `shape`
 * mixes numbers (static) and strings (symbolic). It reports `[]` both for a rank-0 input and for an
 * input whose shape is undeclared; treating `[]` as rank 0 is safe because an undeclared shape accepts
 * any rank.
 */
import { ModelError } from '../errors';
import { halfToFloat, toHalfBits } from '../half-precision';
import { Tensor, type InferenceSession, type TensorDataType } from './ort';

export type FeedDType = 'float32' | 'float16' | 'int32' | 'int64';

export interface InputSpec {
  name: string;
  dtype: TensorDataType;
  rank: number;
  /** Static sizes as numbers, symbolic ones (batch, sequence) as their names. */
  shape: readonly (number | string)[];
}

export function inputSpecs(session: InferenceSession): Map<string, InputSpec> {
  const specs = new Map<string, InputSpec>();
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    specs.set(meta.name, { name: meta.name, dtype: meta.type, rank: meta.shape.length, shape: [...meta.shape] });
  }
  return specs;
}

export function inputSpec(session: InferenceSession, name: string): InputSpec {
  const spec = inputSpecs(session).get(name);
  if (!spec) {
    throw new ModelError('E_ONNX_INPUT', `Expected the model to have an input named "${name}" ` +
      `but it has ${session.inputNames.join(', ')}.`, {
      hint: 'Check that the model folder holds the expected Stable Diffusion export.',
    });
  }
  return spec;
}

/**
 * Builds an input tensor in the input's own dtype: numbers become BigInt64Array for int64, Int32Array
 * for int32, IEEE half bits (Uint16Array) for float16. Pass `dims: []` for a rank-0 scalar.
 */
export function makeTensor(
  spec: Pick<InputSpec, 'name' | 'dtype'> & { rank?: number }, values: ArrayLike<number>, dims: readonly number[],
): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  if (values.length !== size) {
    throw new ModelError('E_ONNX_INPUT', `Expected ${size} values for input "${spec.name}" with dims [${dims.join(', ')}] ` +
      `but received ${values.length}.`);
  }
  if (spec.rank !== undefined && spec.rank !== dims.length) {
    throw new ModelError('E_ONNX_INPUT', `Expected rank ${spec.rank} for input "${spec.name}" but received dims [${dims.join(', ')}].`, {
      hint: spec.rank === 0 ? 'Pass dims [] for a scalar input.' : undefined,
    });
  }
  switch (spec.dtype) {
    case 'float32':
      return new Tensor('float32', Float32Array.from(values), dims);
    case 'float16':
      return new Tensor('float16', toHalfBits(values), dims);
    case 'int32':
      return new Tensor('int32', Int32Array.from(values, (v) => Math.round(v)), dims);
    case 'int64':
      return new Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(Math.round(v)))), dims);
    default:
      throw new ModelError('E_ONNX_DTYPE', `Expected input "${spec.name}" to be float32, float16, int32 or int64 ` +
        `but the model declares ${spec.dtype}.`, {
        hint: 'This model was exported with an input type the pipeline does not feed; re-export it with standard dtypes.',
      });
  }
}


/**
 * A session output as float32, whatever float type the export computes in: float16 exports (the common GPU form)
 * return IEEE half bits as Uint16Array, widened exactly here. Other types are refused with a coded error.
 */
export function outputAsFloat32(tensor: Tensor, name: string): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') {
    const bits = tensor.data as Uint16Array;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
    return out;
  }
  throw new ModelError('E_ONNX_DTYPE', `Expected output "${name}" to be float32 or float16 but the model returns ${tensor.type}.`, {
    hint: 'Re-export the model with float32 or float16 outputs.',
  });
}
