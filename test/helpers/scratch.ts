import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/**
 * A fresh directory under the OS temp folder, removed when the test process exits.
 * `node --test` runs each test file in its own process, so nothing a test writes outlives its file,
 * whether the test passed or failed.
 */
export function scratchDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cones-${label}-`));
  if (made.length === 0) process.once('exit', removeAll);
  made.push(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
