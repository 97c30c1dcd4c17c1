import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const HELPER = join(import.meta.dirname, 'scratch.ts');

test('scratchDir: directories exist while the process runs and are gone after it exits, even on failure', () => {
  for (const exitCode of [0, 1]) {
    const script =
      `import { scratchDir } from ${JSON.stringify(HELPER)}; import { existsSync, writeFileSync } from 'node:fs';` +
      `const a = scratchDir('probe'); const b = scratchDir('probe'); writeFileSync(a + '/f.txt', 'x');` +
      `console.log(JSON.stringify({ a, b, alive: existsSync(a + '/f.txt') && existsSync(b) })); process.exitCode = ${exitCode};`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, exitCode, child.stderr);
    const { a, b, alive } = JSON.parse(child.stdout);
    assert.notEqual(a, b);
    assert.equal(alive, true);
    assert.equal(existsSync(a), false, `${a} left behind`);
    assert.equal(existsSync(b), false, `${b} left behind`);
  }
});
