/** Wall-clock timing helpers. Times are milliseconds from performance.now(). */

export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export interface InterleaveOptions {
  repeats: number;
  /** Untimed runs of each before timing (session warm-up, JIT). */
  warmup?: number;
}

/**
 * Times A and B alternately, A B, B A, A B, ..., so slow drift of the machine (another process starting, thermal
 * changes) falls on both equally. Returns one time per repeat for each.
 */
export async function interleaved(
  a: () => Promise<unknown>, b: () => Promise<unknown>, opts: InterleaveOptions,
): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < opts.repeats; i++) {
    if (i % 2 === 0) {
      ta.push(await timeOnce(a));
      tb.push(await timeOnce(b));
    } else {
      tb.push(await timeOnce(b));
      ta.push(await timeOnce(a));
    }
  }
  return { a: ta, b: tb };
}

/** Times one function `repeats` times after `warmup` untimed runs. */
export async function repeated(fn: () => Promise<unknown>, repeats: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) out.push(await timeOnce(fn));
  return out;
}
