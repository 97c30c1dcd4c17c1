import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../engine';
import { mulberry32 } from '../../eval/random';
import { graph, link, testRegistry } from '../helpers/test-nodes';
import { scratchDir } from '../helpers/scratch';

/** The evaluation's seeded PRNG (mulberry32), so every fuzz case is reproducible from its index. */
const rng = (seed: number): (() => number) => mulberry32(seed).next;

const ROOT = join(import.meta.dirname, '..', '..');
const FUZZ_OUT = scratchDir('fuzz'); // successful runs write here, never into the checkout
const BASES: unknown[] = [
  JSON.parse(readFileSync(join(ROOT, 'graphs', 'hello-text.json'), 'utf8')),
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'graphs', 'v0-hello.json'), 'utf8')),
  graph({
    n: { type: 'Number', inputs: { value: 2 } },
    a: { type: 'TestAdd', inputs: { a: link('n', 'value'), b: 3 } },
    m: { type: 'Math', inputs: { op: 'divide', a: link('a', 'sum'), b: 2 } },
    out: { type: 'TestSink', inputs: { value: link('m', 'result') } },
  }),
];
const WEIRD: unknown[] = [
  null, 0, -1, 1e308, -0.5, 'x', '', '__proto__', 'constructor', true, [], {}, [1, 2],
  { from: 'n', output: 'value' }, { from: 'nope', output: 'x' }, { from: '__proto__', output: 'x' }, { value: 3 }, 'a'.repeat(300),
];

function pick<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)];
}

/** Walks to a random object/array inside `root` and mutates one slot: delete, replace with a weird value, rename a key. */
function mutate(root: unknown, random: () => number): unknown {
  const doc = structuredClone(root) as Record<string, unknown>;
  const steps = 1 + Math.floor(random() * 3);
  for (let s = 0; s < steps; s++) {
    let cur: unknown = doc;
    let depth = Math.floor(random() * 5);
    while (depth-- > 0 && cur && typeof cur === 'object') {
      const keys = Object.keys(cur);
      if (!keys.length) break;
      const next = (cur as Record<string, unknown>)[pick(random, keys)];
      if (!next || typeof next !== 'object') break;
      cur = next;
    }
    if (!cur || typeof cur !== 'object') continue;
    const obj = cur as Record<string, unknown>;
    const keys = Object.keys(obj);
    const key = keys.length ? pick(random, keys) : 'extra';
    const op = random();
    if (op < 0.3) delete obj[key];
    else if (op < 0.8) obj[key] = structuredClone(pick(random, WEIRD));
    else if (!Array.isArray(obj)) {
      obj[pick(random, ['type', 'from', 'output', 'inputs', 'version', 'nodes', 'zz', '__proto__'])] = obj[key];
    }
  }
  return doc;
}

test('200 randomly mutated graph files each give a coded error or a successful run', async () => {
  const r = rng(20261122);
  const outcomes = { ok: 0, coded: 0 };
  const codes = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const base = BASES[i % BASES.length];
    let source: unknown = mutate(base, r);
    if (i % 10 === 9) {
      const text = JSON.stringify(source);
      source = text.slice(0, Math.floor(r() * text.length)); // truncated text
    }
    const engine = new Engine(testRegistry());
    try {
      await engine.run(source, { outputDir: FUZZ_OUT });
      outcomes.ok++;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const coded = typeof code === 'string' && /^E_[A-Z0-9_]+$/.test(code);
      assert.ok(coded, `case ${i}: uncoded failure ${String(err)}\n${JSON.stringify(source).slice(0, 400)}`);
      assert.ok(!(err instanceof TypeError) && !(err instanceof RangeError), `case ${i}: crashed with ${String(err)}`);
      codes.add(code);
      outcomes.coded++;
    }
  }
  assert.equal(outcomes.ok + outcomes.coded, 200);
  assert.ok(outcomes.coded > 50 && codes.size >= 5, `mutations should hit many codes: ${[...codes].join(', ')}`);
});
