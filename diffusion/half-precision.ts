/**
 * Half-precision numbers as ONNX and PyTorch store them: IEEE 754 binary16 (float16) and bfloat16, both carried as
 * 16-bit patterns (Node 20 holds fp16 tensors as Uint16Array).
 */

/** IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; exponent 0 is subnormal, 31 is inf/NaN. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32. */
export function bfloat16ToFloat(bits: number): number {
  bf16Scratch.setUint32(0, bits << 16);
  return bf16Scratch.getFloat32(0);
}

/** float32 -> IEEE 754 binary16 bits, round-to-nearest-even (Node 20 carries fp16 tensors as Uint16Array). */
export function toHalfBits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00; // overflow -> inf
    } else if (e <= 0) {
      if (e < -10) { out[i] = sign; continue; } // underflow -> signed zero
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && (half & 1))) half++;
      out[i] = sign | half;
    } else {
      let half = (e << 10) | (mant >>> 13);
      const rem = mant & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // may carry into the exponent: still correct
      out[i] = sign | half;
    }
  }
  return out;
}
