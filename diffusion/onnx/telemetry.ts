/**
 * onnxruntime's telemetry, off unless the user asks for it.
 *
 * onnxruntime-node 1.30 on Linux ships Microsoft's telemetry switched on. Measured here (strace, 2026-12-06): creating
 * one session writes a device id and an event store under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/, an empty
 * /tmp/mat-debug-<pid>.log, and resolves mobile.events.data.microsoft.com to upload events; the library's event
 * fields include the model's file name, graph and weight hashes and metadata. A tool that runs shared graphs on
 * people's own models sends nothing anywhere unasked, so cones sets onnxruntime's opt-out variable unless
 * CONES_ORT_TELEMETRY=1. With it set, the same session writes none of those files and makes no lookup.
 *
 * onnxruntime reads the variable from the process environment when it creates its environment (at the first
 * session), and only the main thread's `process.env` is the process environment (a worker thread's is a copy).
 * So the entry points (server.ts, cli/main.ts) call this before any engine thread starts, and ort.ts calls it for
 * code that loads onnxruntime on the main thread (eval, bench, embedding).
 */
import { isMainThread } from 'node:worker_threads';

/** The opt-out variable of onnxruntime 1.30 (ORT_DISABLE_TELEMETRY) and the name later releases read. */
export const ORT_TELEMETRY_OPT_OUT = ['ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED'] as const;
/** Set to 1 to leave onnxruntime's telemetry as onnxruntime ships it. */
export const CONES_OPT_IN = 'CONES_ORT_TELEMETRY';

/**
 * Sets onnxruntime's opt-out variables in `env` unless the user opted in or set them already (their value is kept).
 * Returns whether telemetry is off as far as cones decides. Effective only on the main thread's `process.env`.
 */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[CONES_OPT_IN] === '1') return false;
  for (const name of ORT_TELEMETRY_OPT_OUT) env[name] ??= '1';
  return true;
}

/** For modules that may load on any thread: acts on the main thread only (a worker's copy would not reach onnxruntime). */
export function disableOrtTelemetryHere(): void {
  if (isMainThread) disableOrtTelemetry();
}
