/** A dense float32 tensor in row-major order. Shape comments elsewhere use these dims. */
export interface F32Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export function tensorSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function f32(dims: readonly number[], data?: Float32Array): F32Tensor {
  const size = tensorSize(dims);
  if (data && data.length !== size) {
    throw new RangeError(`Expected ${size} values for dims [${dims.join(', ')}] but received ${data.length}`);
  }
  return { data: data ?? new Float32Array(size), dims: [...dims] };
}
