/** The `cones` CLI as a child process, for the `cones run --server` tests (remote-run, remote-farm) and the CLI's SIGINT tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'cones.mjs');

export interface Result { code: number | null; stdout: string; stderr: string; ms: number }

export interface ConesOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Called with everything printed on stdout so far, on each chunk (to signal the child at a chosen moment). */
  onStdout?: (all: string, child: ChildProcess) => void;
  /** The same for stderr (where the non-JSON output says "Queued on ..."). */
  onStderr?: (all: string, child: ChildProcess) => void;
}

/**
 * Runs `node bin/cones.mjs ARGS` (async: a server under test may run in this process and must keep answering).
 * CONES_SERVER and CONES_TOKEN are cleared unless `env` sets them.
 */
export function conesChild(args: string[], opts: ConesOptions): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve) => {
    const env = { ...process.env, CONES_SERVER: '', CONES_TOKEN: '', ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      opts.onStdout?.(stdout, child);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
      opts.onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/**
 * An onStdout that sends the child SIGINT once, when its `--json` output shows the first progress event (the run is
 * under way); sentAt() is when it did, 0 before.
 */
export function interruptOnFirstProgress(): { onStdout: NonNullable<ConesOptions['onStdout']>; sentAt: () => number } {
  let sentAt = 0;
  return {
    onStdout: (all, child) => {
      if (!sentAt && all.includes('"type":"progress"')) {
        sentAt = Date.now();
        child.kill('SIGINT');
      }
    },
    sentAt: () => sentAt,
  };
}

/** `--json` output: one event per line. */
export const ndjson = (s: string): Array<Record<string, any>> =>
  s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
