/**
 * The CLI with subgraphs (model-free nodes only): `run` and `validate` take `--lib DIR` (repeatable) and always search
 * the install's graphs/lib/; a shared file with an embedded subgraph runs from a clean folder; `nodes` lists and
 * describes library subgraphs; refusals exit 2 with their codes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchDir } from '../helpers/scratch';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'cones.mjs');

interface Result { code: number | null; stdout: string; stderr: string }

function cones(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** "hello {a}" with `name` fed into {a}; the file's own value "world" is the default. */
const GREET = {
  format: 'cones-graph', version: 1, meta: { description: 'A greeting.' },
  interface: { version: 1, inputs: { name: { node: 'tpl', input: 'a' } }, outputs: { text: { node: 'tpl', output: 'text' } } },
  nodes: { tpl: { type: 'TextTemplate', inputs: { template: 'hello {a}', a: 'world' } } },
};

const using = (type: string, extra: Record<string, unknown> = {}) => ({
  format: 'cones-graph', version: 1,
  nodes: {
    one: { type, version: 1, inputs: { name: 'ada' } },
    two: { type, version: 1 },
    save1: { type: 'SaveText', inputs: { text: { from: 'one', output: 'text' }, filename: 'one.txt' } },
    save2: { type: 'SaveText', inputs: { text: { from: 'two', output: 'text' }, filename: 'two.txt' } },
  },
  ...extra,
});

test('run --lib DIR: a library subgraph used twice; validate --lib; --set reaches an instance input', async () => {
  const dir = scratchDir('cli-sg');
  const lib = join(dir, 'mylib');
  mkdirSync(lib);
  writeFileSync(join(lib, 'greet.json'), JSON.stringify(GREET));
  writeFileSync(join(dir, 'g.json'), JSON.stringify(using('lib/greet')));
  const out = join(dir, 'out');
  const r = await cones(['run', 'g.json', '--lib', 'mylib', '--out', out, '--json', '--set', 'two.name=grace'], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(readFileSync(join(out, 'one.txt'), 'utf8'), 'hello ada');
  assert.equal(readFileSync(join(out, 'two.txt'), 'utf8'), 'hello grace');
  const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'node_done').map((e) => e.nodeId);
  assert.deepEqual(done.sort(), ['one/tpl', 'save1', 'save2', 'two/tpl']);

  const v = await cones(['validate', 'g.json', '--lib', join(dir, 'nowhere'), '--lib', lib], dir);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const missing = await cones(['run', 'g.json', '--out', out], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /E_UNKNOWN_NODE_TYPE at node "one" \(lib\/greet\)/);
  assert.match(missing.stderr, /graphs[/\\]lib/, 'the install\'s graphs/lib/ was searched');
});

test('a shared file with an embedded subgraph runs from a clean folder, no library', async () => {
  const dir = scratchDir('cli-sg-clean');
  writeFileSync(join(dir, 'shared.json'), JSON.stringify(using('subgraph/greet', { subgraphs: { greet: GREET } })));
  const r = await cones(['run', 'shared.json', '--out', 'o'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'o', 'one.txt'), 'utf8'), 'hello ada');
  assert.equal(readFileSync(join(dir, 'o', 'two.txt'), 'utf8'), 'hello world');
});

test('refusals exit 2 with their codes: a path-escaping type name, a wrong pin, an issue inside a subgraph', async () => {
  const dir = scratchDir('cli-sg-bad');
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'greet.json'), JSON.stringify(GREET));
  writeFileSync(join(dir, 'escape.json'), JSON.stringify(using('lib/../../etc/passwd')));
  const escape = await cones(['validate', 'escape.json', '--lib', 'lib', '--json'], dir);
  assert.equal(escape.code, 2);
  assert.deepEqual(JSON.parse(escape.stdout).issues.map((i: { code: string }) => i.code), ['E_SUBGRAPH_NAME', 'E_SUBGRAPH_NAME']);
  const pinned = using('lib/greet');
  (pinned.nodes.one as Record<string, unknown>).sha256 = '0'.repeat(64);
  writeFileSync(join(dir, 'pinned.json'), JSON.stringify(pinned));
  const pin = await cones(['run', 'pinned.json', '--lib', 'lib'], dir);
  assert.equal(pin.code, 2);
  assert.match(pin.stderr, /E_SUBGRAPH_HASH at node "one"/);
  const inner = await cones(['validate', 'pinned.json', '--lib', 'lib', '--set', 'x.y=1'], dir);
  assert.equal(inner.code, 2, 'validate has no --set: usage error');
  writeFileSync(join(dir, 'inner.json'), JSON.stringify(using('lib/greet', { nodes: { ...using('lib/greet').nodes, two: { type: 'lib/greet', inputs: { name: 5 } } } })));
  const bad = await cones(['validate', 'inner.json', '--lib', 'lib'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, /E_VALUE_INVALID at node "two\/tpl" \(TextTemplate\) input "a"/);
});

test('nodes lists library subgraphs and describes one from its interface', async () => {
  const dir = scratchDir('cli-sg-nodes');
  writeFileSync(join(dir, 'greet.json'), JSON.stringify(GREET));
  const list = await cones(['nodes', '--lib', dir], dir);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /lib\/greet\s+A greeting\./);
  assert.match(list.stdout, /lib\/two-subjects/, 'the shipped library is listed');
  const one = await cones(['nodes', 'lib/greet', '--lib', dir, '--json'], dir);
  assert.equal(one.code, 0, one.stderr);
  const [d] = JSON.parse(one.stdout);
  assert.deepEqual(d.inputs.map((i: { name: string; type: string }) => [i.name, i.type]), [['name', 'STRING']]);
  assert.equal(d.inputs[0].schema.default, 'world');
  const bad = await cones(['nodes', 'lib/../x'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /E_SUBGRAPH_NAME/);
});
