import { spawn } from 'node:child_process';
import { ROOT } from '../args';
import { BENCH_CODES, BenchError } from '../codes';

/**
 * Runs a command whose last stdout line is one JSON object (the measurement children and bench/torch_reference.py
 * print their result that way) and returns it parsed. Its stderr is kept for the error message only.
 */
export function runJson<T>(command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new BenchError(BENCH_CODES.child, `Could not start ${command}: ${err.message}.`, { cause: err })));
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      const tail = stderr.trim().split('\n').slice(-6).join('\n');
      if (code !== 0 || !last.startsWith('{')) {
        reject(new BenchError(BENCH_CODES.child, `Expected ${command} ${args.join(' ')} to exit 0 and print a JSON result line ` +
          `but it exited ${code}. Its last stderr lines:\n${tail}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(last) as T);
      } catch (err) {
        const message = `Expected a JSON result line from ${command} but received: ${last.slice(0, 200)}`;
        reject(new BenchError(BENCH_CODES.child, message, { cause: err }));
      }
    });
  });
}

/** Runs a TypeScript file of bench/child/ in a fresh Node.js process (tsx loader), so its peak RSS is its own. */
export function runTsChild<T>(script: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  return runJson<T>(process.execPath, ['--import', 'tsx', script, ...args], opts);
}
