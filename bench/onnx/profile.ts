import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, type Tensor } from '../../diffusion/onnx/ort';
import { BENCH_CODES, BenchError } from '../codes';
import { countFlops, kernelEvents, modelRuns, type FlopCount } from '../flops';

/** Reads an ORT profile (a Chrome trace: a JSON array of events) and deletes the file. */
export function readProfile(path: string): unknown[] {
  if (!existsSync(path)) {
    throw new BenchError(BENCH_CODES.profile, `Expected onnxruntime to write a profile at ${path} but found none.`, {
      hint: 'Check that the folder is writable.',
    });
  }
  const events = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  rmSync(path, { force: true });
  if (!Array.isArray(events)) {
    throw new BenchError(BENCH_CODES.profile, `Expected a JSON array of trace events in ${path} but received ${typeof events}.`);
  }
  return events;
}

/** FLOPs of each run in a profile, in run order. */
export function flopsPerRun(events: readonly unknown[]): FlopCount[] {
  return modelRuns(events).map((r) => countFlops(events, { fromTs: r.ts, toTs: r.ts + r.dur }));
}

let profileCounter = 0;

/**
 * Opens a profiling session of `modelPath`, runs each feed once and returns the FLOPs of each run. A separate
 * session, because profiling stays on for a session's whole life until endProfiling.
 */
export async function profileRuns(modelPath: string, feeds: readonly Record<string, Tensor>[], scratchDir: string): Promise<FlopCount[]> {
  const prefix = `ort-profile-${process.pid}-${++profileCounter}`;
  const session = await InferenceSession.create(modelPath, {
    executionProviders: ['cpu'], enableProfiling: true, profileFilePrefix: join(scratchDir, prefix),
  });
  try {
    for (const f of feeds) await session.run(f);
  } finally {
    session.endProfiling();
  }
  await session.release();
  return flopsPerRun(readProfile(profileFile(scratchDir, prefix)));
}

/** Kernel time of one model run, all of it and the part spent in nodes `match` selects (microseconds). */
export interface RunAttribution {
  runMicros: number;
  kernelMicros: number;
  matchedMicros: number;
  /** Kernels `match` selected in this run. */
  matchedKernels: number;
}

/**
 * Splits each run's kernel time into the nodes `match` selects (by node name) and the rest, in run order: what a
 * set of nodes (e.g. the layout surgery's) costs a call, free of the noise in the rest of the call's time.
 */
export function attributeRuns(events: readonly unknown[], match: (nodeName: string) => boolean): RunAttribution[] {
  return modelRuns(events).map((run) => {
    const out: RunAttribution = { runMicros: run.dur, kernelMicros: 0, matchedMicros: 0, matchedKernels: 0 };
    for (const e of kernelEvents(events, { fromTs: run.ts, toTs: run.ts + run.dur })) {
      out.kernelMicros += e.dur;
      if (match(e.name.slice(0, -KERNEL_SUFFIX.length))) {
        out.matchedMicros += e.dur;
        out.matchedKernels++;
      }
    }
    return out;
  });
}

const KERNEL_SUFFIX = '_kernel_time';

/** ORT names the file PREFIX_DATE_TIME.json. */
export function profileFile(dir: string, prefix: string): string {
  const file = readdirSync(dir).find((f) => f.startsWith(`${prefix}_`) && f.endsWith('.json'));
  if (!file) {
    throw new BenchError(BENCH_CODES.profile, `Expected an onnxruntime profile ${prefix}_*.json in ${dir} but found none.`, {
      hint: 'Check that the folder is writable.',
    });
  }
  return join(dir, file);
}
