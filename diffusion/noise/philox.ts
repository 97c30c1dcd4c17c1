/**
 * Philox4x32-10, the counter-based PRNG of Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"
 * (SC'11), as specified by the Random123 library: a 128-bit counter and a 64-bit key go through 10 rounds of
 * two 32x32->64 multiplications and xors; the key is bumped by the Weyl constants between rounds.
 *
 * Counter-based means output block n is a pure function of (key, n): any element of any tensor can be
 * regenerated without replaying the stream, and results cannot depend on chunking or thread count.
 * All arithmetic is on uint32 values held in JS numbers, so every machine gives the same bits.
 */

/** Round multipliers and Weyl key increments (Salmon et al. 2011; Random123 philox.h). */
const PHILOX_M4x32_0 = 0xd2511f53;
const PHILOX_M4x32_1 = 0xcd9e8d57;
const PHILOX_W32_0 = 0x9e3779b9;
const PHILOX_W32_1 = 0xbb67ae85;
const PHILOX_ROUNDS = 10;

/** High 32 bits of the 64-bit product of two uint32 values, by 16-bit limbs (a double cannot hold 2^64). */
function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * One Philox4x32-10 block: writes 4 uint32 words for counter (c0..c3) and key (k0, k1) into `out`.
 * `out` may be reused between calls to avoid allocation in hot loops.
 */
export function philox4x32(
  c0: number, c1: number, c2: number, c3: number,
  k0: number, k1: number,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  let key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    const hi0 = mulhi32(PHILOX_M4x32_0, x0);
    const lo0 = Math.imul(PHILOX_M4x32_0, x0) >>> 0;
    const hi1 = mulhi32(PHILOX_M4x32_1, x2);
    const lo1 = Math.imul(PHILOX_M4x32_1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + PHILOX_W32_0) >>> 0;
    key1 = (key1 + PHILOX_W32_1) >>> 0;
  }
  out[0] = x0; out[1] = x1; out[2] = x2; out[3] = x3;
  return out;
}
