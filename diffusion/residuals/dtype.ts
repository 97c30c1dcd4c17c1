/**
 * Element types residual files may hold, decoded to float32 (the precision the text encoder output has in our
 * fp32 ONNX graphs). Names follow safetensors; PyTorch storages map onto them in torch-pickle.ts.
 */
import { bfloat16ToFloat, halfToFloat } from '../half-precision';

export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export const DTYPE_BYTES: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export function isFloatDtype(value: unknown): value is FloatDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

/** Little-endian elements of `dtype` starting at `bytes[0]`, as float32. `bytes.length` must be count * size. */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength / DTYPE_BYTES[dtype];
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'F64':
        out[i] = view.getFloat64(i * 8, true);
        break;
      case 'F16':
        out[i] = halfToFloat(view.getUint16(i * 2, true));
        break;
      case 'BF16':
        out[i] = bfloat16ToFloat(view.getUint16(i * 2, true));
        break;
    }
  }
  return out;
}
