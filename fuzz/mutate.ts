/**
 * Hostile graph files, deterministic per index: each case is one of the attacks a shared graph file can carry
 * (issue 23): random slots deleted or replaced by wrong types, huge / negative / non-finite numbers, long and
 * unicode strings, prototype keys, dangling and self links, long cycles, too many nodes, deep nesting, truncated,
 * empty or binary files. Used by `npm run fuzz` and by test/fuzz/graphs.test.ts.
 */
import { mulberry32, type Rng } from '../eval/random';

export type CaseKind = 'mutate' | 'self-link' | 'dangling-link' | 'cycle' | 'many-nodes' | 'deep' | 'truncated' | 'empty' | 'binary';

export interface FuzzCase {
  index: number;
  kind: CaseKind;
  /** The file's bytes as text (binary cases are latin1-decoded bytes). */
  text: string;
}

const WEIRD: unknown[] = [
  null, 0, -1, -1e308, 1e308, 2 ** 53 + 1, 0.5, '', 'x', '__proto__', 'constructor', 'toString', true, [], {}, [1, [2, [3]]],
  { from: 'n', output: 'value' }, { from: 'nope', output: 'x' }, { from: '__proto__', output: 'x' }, { value: 3 },
  'x'.repeat(100_000), '\u{1F600}\u0301\u200d\uFFFD'.repeat(500), '\ud800', '../../../../etc/passwd', '/dev/zero',
];
const KEYS = ['type', 'from', 'output', 'inputs', 'version', 'nodes', 'format', 'outputs', 'zz', '__proto__', 'constructor', 'toString'];
/** Number-like text that is not JSON: put straight into the file text. */
const NON_JSON_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e999', '-0x10'];

const KINDS: Array<[CaseKind, number]> = [
  ['mutate', 60], ['self-link', 6], ['dangling-link', 6], ['cycle', 6], ['many-nodes', 2], ['deep', 6], ['truncated', 8],
  ['empty', 2], ['binary', 4],
];
const TOTAL_WEIGHT = KINDS.reduce((sum, [, weight]) => sum + weight, 0);

function kindOf(rng: Rng): CaseKind {
  let roll = rng.next() * TOTAL_WEIGHT;
  for (const [kind, weight] of KINDS) if ((roll -= weight) < 0) return kind;
  return 'mutate';
}

/** Case `index` of the stream built from `bases` (valid current or older graph files). */
export function fuzzCase(index: number, bases: readonly unknown[], seed = 2026): FuzzCase {
  const rng = mulberry32((seed * 1_000_003 + index) >>> 0);
  const base = structuredClone(bases[index % bases.length]) as Record<string, unknown>;
  const kind = kindOf(rng);
  return { index, kind, text: build(kind, base, rng) };
}

function build(kind: CaseKind, base: Record<string, unknown>, rng: Rng): string {
  switch (kind) {
    case 'mutate': {
      const text = JSON.stringify(mutate(base, rng));
      return rng.next() < 0.2 ? text.replace(/-?\d+(\.\d+)?/, rng.pick(NON_JSON_NUMBERS)) : text;
    }
    case 'self-link':
    case 'dangling-link':
      return JSON.stringify(relink(base, kind, rng));
    case 'cycle':
      return JSON.stringify(ring(rng.int(2) ? 3 + rng.int(50) : 1000 + rng.int(9000)));
    case 'many-nodes':
      return JSON.stringify(ring(5_001 + rng.int(5_000), false));
    case 'deep': {
      const depth = 50 + rng.int(20_000);
      return `{"format":"cones-graph","version":1,"nodes":{},"meta":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    }
    case 'truncated': {
      const text = JSON.stringify(base);
      return text.slice(0, rng.int(text.length));
    }
    case 'empty':
      return '';
    case 'binary':
      return String.fromCharCode(...Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256)));
  }
}

/** Walks to a random object or array and mutates a few slots: delete, replace with a weird value, move a key. */
function mutate(doc: Record<string, unknown>, rng: Rng): unknown {
  const steps = 1 + rng.int(3);
  for (let step = 0; step < steps; step++) {
    let cur: unknown = doc;
    for (let depth = rng.int(5); depth > 0 && cur && typeof cur === 'object'; depth--) {
      const keys = Object.keys(cur);
      if (!keys.length) break;
      const next = (cur as Record<string, unknown>)[rng.pick(keys)];
      if (!next || typeof next !== 'object') break;
      cur = next;
    }
    if (!cur || typeof cur !== 'object') continue;
    const obj = cur as Record<string, unknown>;
    const keys = Object.keys(obj);
    const key = keys.length ? rng.pick(keys) : 'extra';
    const op = rng.next();
    if (op < 0.3) delete obj[key];
    else if (op < 0.8) obj[key] = structuredClone(rng.pick(WEIRD));
    else if (!Array.isArray(obj)) Object.defineProperty(obj, rng.pick(KEYS), { value: obj[key], enumerable: true, configurable: true, writable: true });
  }
  return doc;
}

/** Points one link of the graph at its own node, or at a node or output that does not exist. */
function relink(doc: Record<string, unknown>, kind: 'self-link' | 'dangling-link', rng: Rng): unknown {
  const nodes = doc.nodes;
  if (!nodes || typeof nodes !== 'object' || Array.isArray(nodes)) return doc;
  const ids = Object.keys(nodes);
  const id = rng.pick(ids);
  const node = (nodes as Record<string, { inputs?: Record<string, unknown> }>)[id];
  const inputs = (node.inputs ??= {});
  const input = Object.keys(inputs).length ? rng.pick(Object.keys(inputs)) : 'value';
  inputs[input] = kind === 'self-link' ? { from: id, output: 'text' } : { from: rng.pick(['ghost', id]), output: rng.pick(['nope', 'text']) };
  return doc;
}

/** A ring of Math nodes (a cycle), or a chain when `closed` is false. */
function ring(count: number, closed = true): unknown {
  const nodes: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const next = (i + 1) % count;
    const a = closed || next !== 0 ? { from: `n${next}`, output: 'result' } : 1;
    nodes[`n${i}`] = { type: 'Math', version: 1, inputs: { op: 'add', a, b: 1 } };
  }
  nodes.out = { type: 'ShowText', version: 1, inputs: { text: 'x' } };
  return { format: 'cones-graph', version: 1, nodes };
}
