/**
 * A small seeded PRNG for the evaluation's own choices (ground-truth scenes, prompt sets, bootstrap resampling):
 * mulberry32 (Tommy Ettinger, public domain), 32-bit state, period 2^32. Good enough for sampling; it is not the
 * diffusion noise (that is diffusion/noise, Philox).
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  uniform(lo: number, hi: number): number;
  /** integer in [0, n) */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** k distinct items, in random order */
  sample<T>(items: readonly T[], k: number): T[];
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int,
    pick: (items) => items[int(items.length)],
    sample: (items, k) => {
      const pool = [...items];
      for (let i = pool.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      return pool.slice(0, k);
    },
  };
}
