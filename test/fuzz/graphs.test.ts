/**
 * 2,000 hostile graph files (fuzz/mutate.ts, fixed seed) through `cones validate` and through the server's submit
 * endpoint (issue 23): every answer coded (no E_INTERNAL, no stack trace), under 5 s and under 1 MB.
 * `npm run fuzz -- --n 100000` runs the long in-process version.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fuzzCase } from '../../fuzz/mutate';
import { FUZZ_BASES, MAX_ANSWER_BYTES, MAX_ANSWER_MS } from '../../fuzz/run';
import { REPO } from '../helpers/paths';
import { scratchDir } from '../helpers/scratch';
import { startTestServer } from '../server/helpers';

const CASES = Array.from({ length: 2000 }, (_, i) => fuzzCase(i, FUZZ_BASES, 7));
const STACK = /\n\s+at .+:\d+:\d+/;
/** Starting the CLI process, before its first answer. */
const STARTUP_MS = 30_000;

test('cones validate answers each of 2,000 hostile files with a coded line, in bounded time and size', { timeout: 300_000 }, async () => {
  const dir = scratchDir('fuzz-validate');
  const files = CASES.map((c) => {
    const path = join(dir, `case-${c.index}.json`);
    writeFileSync(path, c.kind === 'binary' ? Buffer.from(c.text, 'latin1') : c.text);
    return path;
  });
  const child = spawn(process.execPath, [join(REPO, 'bin', 'cones.mjs'), 'validate', '--json', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<{ text: string; at: number }> = [];
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      lines.push({ text: buffered.slice(0, newline), at: performance.now() });
      buffered = buffered.slice(newline + 1);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 2, stderr.slice(0, 2000));
  assert.doesNotMatch(stderr, STACK);
  assert.equal(lines.length, CASES.length, 'one answer per file');
  let previous = started;
  for (const [i, line] of lines.entries()) {
    const answer = JSON.parse(line.text) as { ok: boolean; issues: Array<{ code: string }> };
    assert.ok(line.text.length < MAX_ANSWER_BYTES, `case ${i}: ${line.text.length} bytes`);
    // The first answer also carries the process start (node, tsx, the modules): 7 s were seen under load.
    const bound = i === 0 ? STARTUP_MS + MAX_ANSWER_MS : MAX_ANSWER_MS;
    assert.ok(line.at - previous < bound, `case ${i}: ${(line.at - previous).toFixed(0)} ms`);
    previous = line.at;
    for (const issue of answer.issues) assert.match(issue.code, /^E_[A-Z0-9_]+$/, `case ${i}`);
    assert.ok(!answer.issues.some((issue) => issue.code === 'E_INTERNAL'), `case ${i}`);
  }
});

test('the server answers each of 2,000 hostile submissions with a coded 201 or 4xx, in bounded time and size', { timeout: 300_000 }, async () => {
  const t = await startTestServer();
  after(() => t.server.close());
  const statuses = new Map<number, number>();
  for (const c of CASES) {
    let body = c.text;
    try {
      body = JSON.stringify({ graph: JSON.parse(c.text) });
    } catch {
      // not JSON: sent as it is, which the server must refuse as such
    }
    const t0 = performance.now();
    const res = await fetch(`${t.base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    const ms = performance.now() - t0;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status === 201 || (res.status >= 400 && res.status < 500), `case ${c.index} (${c.kind}): status ${res.status} ${text.slice(0, 300)}`);
    assert.ok(text.length < MAX_ANSWER_BYTES, `case ${c.index}: ${text.length} bytes`);
    assert.ok(ms < MAX_ANSWER_MS, `case ${c.index} (${c.kind}): ${ms.toFixed(0)} ms`);
    if (res.status !== 201) assert.match(JSON.parse(text).error.code, /^E_[A-Z0-9_]+$/, `case ${c.index}`);
    assert.doesNotMatch(text, STACK);
  }
  assert.ok((statuses.get(201) ?? 0) > 100 && (statuses.get(400) ?? 0) > 1000, JSON.stringify([...statuses]));
});
