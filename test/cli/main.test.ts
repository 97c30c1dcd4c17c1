import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchDir } from '../helpers/scratch';
import { interruptOnFirstProgress } from './remote-helpers';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'cones.mjs');
const PLUGIN = join(ROOT, 'test', 'fixtures', 'plugins', 'test-nodes.ts');
const tmp = scratchDir('cli');

interface Result { code: number | null; stdout: string; stderr: string }

function cones(args: string[], opts: { onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeGraph(name: string, graph: unknown): string {
  const p = join(tmp, name);
  writeFileSync(p, typeof graph === 'string' ? graph : JSON.stringify(graph));
  return p;
}

const ndjson = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const noStack = (r: Result) => assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');

test('run: exit 0, writes its output, --set overrides a literal, NDJSON events parse', async () => {
  const graph = join(ROOT, 'graphs', 'hello-text.json');
  const r = await cones(['run', graph, '--json', '--out', join(tmp, 'o'), '--set', 'subject.value=a green star']);
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  assert.equal(events[0].type, 'run_start');
  assert.equal(events.at(-1)!.type, 'run_done');
  assert.deepEqual(events.filter((e) => e.type === 'node_done').map((e) => e.nodeId), ['subject', 'prompt', 'save']);
  assert.equal(readFileSync(join(tmp, 'o', 'prompt.txt'), 'utf8'), 'a green star and a blue square');
});

test('run: progress goes to stderr without --json', async () => {
  const r = await cones(['run', join(ROOT, 'graphs', 'hello-text.json'), '--out', join(tmp, 'o2')]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /\[3\/3\] save \(SaveText\)/);
  assert.equal(r.stdout, '');
});

test('run: invalid graph exits 2 with every coded issue, no stack', async () => {
  const p = writeGraph('bad.json', {
    format: 'cones-graph', version: 1,
    nodes: {
      a: { type: 'Nope' },
      m: { type: 'Math', inputs: { op: 'modulo' } },
      s: { type: 'ShowText', inputs: { text: { from: 'ghost', output: 'text' } } },
    },
  });
  const r = await cones(['run', p]);
  assert.equal(r.code, 2);
  for (const code of ['E_UNKNOWN_NODE_TYPE', 'E_VALUE_NOT_IN_LIST', 'E_DANGLING_LINK']) assert.match(r.stderr, new RegExp(code));
  noStack(r);
  const j = await cones(['run', p, '--json']);
  assert.equal(j.code, 2);
  const err = ndjson(j.stdout).at(-1)!;
  assert.equal(err.type, 'run_error');
  assert.equal((err.issues as unknown[]).length, 3);
});

test('run: missing file, malformed JSON, unknown --set node and bad usage exit 2', async () => {
  const commandLines = [
    ['run', 'missing.json'],
    ['run', writeGraph('trunc.json', '{"format": "cones')],
    ['run', join(ROOT, 'graphs', 'hello-text.json'), '--set', 'ghost.value=1'],
    ['run'],
    ['run', 'x.json', '--bogus'],
    ['frobnicate'],
  ];
  for (const args of commandLines) {
    const r = await cones(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr + r.stdout, /E_[A-Z_]+/);
    noStack(r);
  }
});

test('run: a node failing at run time exits 3 and names the node', async () => {
  const p = writeGraph('div0.json', {
    format: 'cones-graph', version: 1,
    nodes: {
      m: { type: 'Math', inputs: { op: 'divide', a: 1, b: 0 } },
      t: { type: 'TestSink', inputs: { value: { from: 'm', output: 'result' } } },
    },
  });
  const r = await cones(['run', p, '--plugin', PLUGIN, '--json']);
  assert.equal(r.code, 3, r.stderr);
  const err = ndjson(r.stdout).at(-1)!;
  assert.equal(err.type, 'run_error');
  assert.equal(err.code, 'E_MATH_NOT_FINITE');
  assert.equal(err.nodeId, 'm');
  noStack(r);
});

test('run: SIGINT mid-run exits 130 after an interrupted event', async () => {
  const p = writeGraph('slow.json', {
    format: 'cones-graph', version: 1,
    nodes: {
      s: { type: 'TestSlow', inputs: { steps: 500 } },
      t: { type: 'TestSink', inputs: { value: { from: 's', output: 'value' } } },
    },
  });
  const interrupt = interruptOnFirstProgress();
  const r = await cones(['run', p, '--plugin', PLUGIN, '--json'], { onStdout: interrupt.onStdout });
  assert.ok(interrupt.sentAt(), 'saw progress before interrupting');
  assert.equal(r.code, 130, r.stderr);
  const events = ndjson(r.stdout);
  assert.equal(events.at(-1)!.type, 'interrupted');
  assert.ok(events.filter((e) => e.type === 'progress').length < 500);
});

test('validate: ok file exits 0, v0 file reports its migration, bad file exits 2', async () => {
  const ok = await cones(['validate', join(ROOT, 'graphs', 'hello-text.json'), join(ROOT, 'test', 'fixtures', 'graphs', 'v0-hello.json')]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /migrated from format version 0/);
  const cyclic = writeGraph('cyc.json', {
    format: 'cones-graph', version: 1,
    nodes: {
      a: { type: 'TextTemplate', inputs: { a: { from: 'b', output: 'text' } } },
      b: { type: 'TextTemplate', inputs: { a: { from: 'a', output: 'text' } } },
      s: { type: 'ShowText', inputs: { text: { from: 'b', output: 'text' } } },
    },
  });
  const bad = await cones(['validate', cyclic, '--json']);
  assert.equal(bad.code, 2);
  const line = ndjson(bad.stdout)[0] as { ok: boolean; issues: Array<{ code: string; nodeId: string }> };
  assert.equal(line.ok, false);
  assert.deepEqual(line.issues.map((i) => `${i.code}:${i.nodeId}`).sort(), ['E_CYCLE:a', 'E_CYCLE:b']);
});

test('nodes: a readable list by category, one type\'s inputs in detail, and every schema as JSON with --json', async () => {
  const summary = await cones(['nodes']);
  assert.equal(summary.code, 0);
  assert.match(summary.stdout, /^loaders:\n {2}LoadModel +Opens a Stable Diffusion ONNX folder/);
  assert.ok(summary.stdout.split('\n').length < 60, 'one line per type');
  const detail = await cones(['nodes', 'Math']);
  assert.match(detail.stdout, /^Math \(version 1, utils\): /);
  assert.match(detail.stdout, /\n {4}op: STRING, default "add", one of "add" \| /);
  const r = await cones(['nodes', '--json']);
  assert.equal(r.code, 0);
  const list = JSON.parse(r.stdout) as Array<{ type: string; inputsSchema: { properties: Record<string, unknown> }; outputs: unknown[] }>;
  const math = list.find((n) => n.type === 'Math');
  assert.ok(math);
  assert.deepEqual(Object.keys(math.inputsSchema.properties), ['op', 'a', 'b']);
  const unknown = await cones(['nodes', 'Nope']);
  assert.equal(unknown.code, 2);
});

test('run --confine: a graph reading /etc/passwd through a link or --set is refused with E_FILE_NOT_ALLOWED, no content', async () => {
  const graph = JSON.parse(readFileSync(join(ROOT, 'graphs', 'custom-subject-layout.json'), 'utf8'));
  graph.nodes.stolen = { type: 'Text', version: 1, inputs: { value: '/etc/passwd' } };
  graph.nodes.residual.inputs.path = { from: 'stolen', output: 'text' };
  const linked = writeGraph('steal.json', graph);
  const confine = ['--confine', tmp, '--confine', join(ROOT, 'models')];
  // The file checks refuse it before anything runs (exit 2, the issue pinned to the node); with --no-files the
  // node itself refuses it when it runs (exit 3).
  for (const extra of [[], ['--set', 'stolen.value=../../../../../../etc/passwd'], ['--no-files']]) {
    const r = await cones(['run', linked, '--json', ...confine, ...extra]);
    const events = ndjson(r.stdout);
    const error = events.find((e) => e.type === 'run_error')!;
    if (extra[0] === '--no-files') {
      assert.equal(r.code, 3, r.stderr);
      assert.deepEqual([error.code, error.nodeId], ['E_FILE_NOT_ALLOWED', 'residual']);
    } else {
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual(events.map((e) => e.type), ['run_error'], 'nothing ran');
      const issues = error.issues as Array<{ code: string; nodeId: string; input: string }>;
      assert.deepEqual(issues.map((i) => [i.code, i.nodeId, i.input]), [['E_FILE_NOT_ALLOWED', 'residual', 'path']]);
    }
    assert.doesNotMatch(r.stdout + r.stderr, /root:|\/bin\/(ba)?sh/, 'no bytes of the file');
    noStack(r);
  }
});

test('validate checks files by default (codes and nodes of the run), --no-files checks structure only', async () => {
  const ok = await cones(['validate', join(ROOT, 'graphs', 'custom-subject-layout.json')]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /ok, 12 node\(s\), structure and files/);
  const graph = JSON.parse(readFileSync(join(ROOT, 'graphs', 'custom-subject-layout.json'), 'utf8'));
  graph.nodes.model.inputs.folder = join(ROOT, 'models', 'shapes'); // absolute: the graph is written elsewhere
  graph.nodes.residual.inputs.path = join(ROOT, 'models', 'shapes', 'residuals', 'no-such.safetensors');
  graph.nodes.layout.inputs.boxes[1].phrase = 'star';
  const bad = writeGraph('bad-files.json', graph);
  const text = await cones(['validate', bad]);
  assert.equal(text.code, 2);
  assert.match(text.stdout, /E_RESIDUAL_NOT_FOUND at node "residual" \(LoadResidual\) input "path": .*no-such\.safetensors/);
  assert.match(text.stdout, /E_PHRASE_NOT_IN_PROMPT at node "sampler" \(GuidedSampler\) input "layout": .*"star"/);
  const json = await cones(['validate', bad, '--json']);
  assert.equal(json.code, 2);
  const line = ndjson(json.stdout)[0] as { ok: boolean; files: boolean; issues: Array<{ code: string; nodeId: string; input: string }> };
  assert.deepEqual([line.ok, line.files], [false, true]);
  assert.deepEqual(line.issues.map((i) => `${i.code}@${i.nodeId}.${i.input}`), [
    'E_RESIDUAL_NOT_FOUND@residual.path', 'E_PHRASE_NOT_IN_PROMPT@sampler.layout',
  ]);
  const structure = await cones(['validate', bad, '--json', '--no-files']);
  assert.equal(structure.code, 0, structure.stdout);
  assert.deepEqual(ndjson(structure.stdout)[0], { file: bad, ok: true, issues: [], migratedFrom: null, files: false, unchecked: [] });
  const run = await cones(['run', bad, '--json', '--out', join(tmp, 'never')]);
  assert.equal(run.code, 2, 'run checks the files before loading the model');
  assert.deepEqual(ndjson(run.stdout).map((e) => e.type), ['run_error']);
  noStack(run);
});

test('hundreds of --set options run; a command line over 16 KiB is a usage error (exit 2), never a crash', async () => {
  const graph = join(ROOT, 'graphs', 'hello-text.json');
  const many = Array.from({ length: 500 }, (_, i) => ['--set', `subject.value=v${i}`]).flat();
  const ok = await cones(['run', graph, '--out', join(tmp, 'many'), ...many]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(readFileSync(join(tmp, 'many', 'prompt.txt'), 'utf8'), /^v499 and/, 'the last --set wins');
  const tooMany = Array.from({ length: 2000 }, (_, i) => ['--set', `subject.value=v${i}`]).flat();
  const refused = await cones(['run', graph, ...tooMany]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^E_USAGE: Expected a command line of at most 16384 bytes/);
  noStack(refused);
});
