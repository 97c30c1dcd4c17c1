/**
 * Error codes raised by bench/ (every one is thrown as a `ModelError`):
 *
 * - E_BENCH_ARGS      a bad command-line argument to `npm run bench` (unknown flag, bad number, unknown section).
 * - E_BENCH_MODEL     the model folder is missing or the example graph cannot be turned into the benchmark graph.
 * - E_BENCH_STATS     a statistic was asked of zero samples, or a ratio of a non-positive time.
 * - E_BENCH_CHILD     a measurement child process failed or printed no result line.
 * - E_BENCH_PROFILE   an onnxruntime profile file is missing or is not the expected JSON trace.
 * - E_BENCH_CHECK     a run did not do the work the benchmark assumes (a node served from the cache, a NaN output).
 */
export const BENCH_CODES = {
  args: 'E_BENCH_ARGS',
  model: 'E_BENCH_MODEL',
  stats: 'E_BENCH_STATS',
  child: 'E_BENCH_CHILD',
  profile: 'E_BENCH_PROFILE',
  check: 'E_BENCH_CHECK',
} as const;
