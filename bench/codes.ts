import { CodedError } from '../errors/coded-error';
import type { CodeTable } from '../errors/code-table';

/** Error codes raised by bench/, each thrown as a `BenchError`; `npm run bench` exits 2 on any of them. */
export const BENCH_ERRORS = {
  E_BENCH_ARGS: { summary: 'A bad command-line argument to `npm run bench` (unknown flag, bad number, unknown section).' },
  E_BENCH_MODEL: { summary: 'The model folder is missing or the example graph cannot be turned into the benchmark graph.' },
  E_BENCH_STATS: { summary: 'A statistic was asked of zero samples or of unpaired samples, or a ratio of a non-positive time.' },
  E_BENCH_CHILD: { summary: 'A measurement child process could not start, failed, or printed no result line.' },
  E_BENCH_PROFILE: { summary: 'An onnxruntime profile file is missing or is not the expected JSON trace.' },
  E_BENCH_CHECK: { summary: 'A run did not do the work the benchmark assumes (a node served from the cache, a NaN output).' },
} as const satisfies CodeTable;

export type BenchErrorCode = keyof typeof BENCH_ERRORS;

/** Short names used at the throw sites. */
export const BENCH_CODES = {
  args: 'E_BENCH_ARGS',
  model: 'E_BENCH_MODEL',
  stats: 'E_BENCH_STATS',
  child: 'E_BENCH_CHILD',
  profile: 'E_BENCH_PROFILE',
  check: 'E_BENCH_CHECK',
} as const satisfies Record<string, BenchErrorCode>;

export class BenchError extends CodedError<BenchErrorCode> {
  constructor(code: BenchErrorCode, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'BenchError';
  }
}
