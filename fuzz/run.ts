/**
 * `npm run fuzz -- --n 100000 [--seed S]`: validates N hostile graph files (fuzz/mutate.ts) in this process, exactly
 * as `cones validate` and the server's submit endpoint do (parse, migrate, validate, file checks), and checks every answer: a
 * coded result (never E_INTERNAL or an uncoded exception), under 5 s, and under 1 MB as JSON. Prints the counts by
 * code and kind, the slowest and the largest answer; exits 1 on any violation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkGraph, GraphValidationError } from '../engine';
import { buildNodeRegistry } from '../nodes/registry';
import { fuzzCase, type CaseKind } from './mutate';

const ROOT = join(import.meta.dirname, '..');
export const FUZZ_BASES: unknown[] = [
  JSON.parse(readFileSync(join(ROOT, 'graphs', 'hello-text.json'), 'utf8')),
  JSON.parse(readFileSync(join(ROOT, 'graphs', 'custom-subject-layout.json'), 'utf8')),
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'graphs', 'v0-hello.json'), 'utf8')),
];
export const MAX_ANSWER_MS = 5_000;
export const MAX_ANSWER_BYTES = 1_000_000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
  return value;
}

async function main(): Promise<number> {
  const n = option('n', 2000);
  const seed = option('seed', 2026);
  const registry = await buildNodeRegistry();
  const byCode = new Map<string, number>();
  const byKind = new Map<CaseKind, number>();
  const violations: string[] = [];
  let slowest = { ms: 0, index: -1 };
  let largest = { bytes: 0, index: -1 };
  const started = performance.now();
  for (let index = 0; index < n; index++) {
    const fuzz = fuzzCase(index, FUZZ_BASES, seed);
    byKind.set(fuzz.kind, (byKind.get(fuzz.kind) ?? 0) + 1);
    const t0 = performance.now();
    let answer: unknown;
    let code = 'ok';
    try {
      await checkGraph(fuzz.text, registry, { searchPaths: [ROOT], confine: [ROOT] });
      answer = { ok: true };
    } catch (err) {
      if (!(err instanceof GraphValidationError)) {
        violations.push(`case ${index} (${fuzz.kind}): uncoded ${String(err).slice(0, 200)}`);
        continue;
      }
      code = err.code;
      answer = { ok: false, issues: err.issues, omitted: err.omitted };
    }
    const ms = performance.now() - t0;
    const bytes = Buffer.byteLength(JSON.stringify(answer));
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
    if (ms > slowest.ms) slowest = { ms, index };
    if (bytes > largest.bytes) largest = { bytes, index };
    if (code === 'E_INTERNAL' || !/^(ok|E_[A-Z0-9_]+)$/.test(code)) violations.push(`case ${index} (${fuzz.kind}): code ${code}`);
    if (ms > MAX_ANSWER_MS) violations.push(`case ${index} (${fuzz.kind}): ${ms.toFixed(0)} ms`);
    if (bytes > MAX_ANSWER_BYTES) violations.push(`case ${index} (${fuzz.kind}): ${bytes} bytes`);
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`${n} cases (seed ${seed}) in ${seconds.toFixed(1)} s`);
  console.log(`kinds: ${sorted(byKind)}`);
  console.log(`answers: ${sorted(byCode)}`);
  console.log(`slowest: case ${slowest.index}, ${slowest.ms.toFixed(1)} ms; largest: case ${largest.index}, ${largest.bytes} bytes`);
  console.log(violations.length ? `${violations.length} violations:\n${violations.slice(0, 20).join('\n')}` : 'no violations');
  return violations.length ? 1 : 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) process.exitCode = await main();
