/**
 * The preflight mechanism (engine/preflight.ts) with test nodes only: hooks run in topological order over the nodes a
 * run would execute, see literals and upstream facts, never run a node, turn every failure into a coded issue on
 * the node and input, resolve and confine file inputs before a hook sees them, and stay within their budget.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  checkGraph, defineNode, Engine, GraphValidationError, input, loadGraph, NodeRegistry, output, preflightGraph, type RunEvent,
} from '../../engine';
import { CodedError } from '../../errors/coded-error';
import { scratchDir } from '../helpers/scratch';
import { graph, link } from '../helpers/test-nodes';

const calls: string[] = [];
const ran: string[] = [];
const noRun = (id: string) => {
  ran.push(id);
  return { value: 0 };
};

/** Declares its literal as the fact of its output. */
const Source = defineNode({
  type: 'PfSource', version: 1, category: 'test', description: 'a number known before the run',
  inputs: { value: input<number>('FLOAT', { schema: { type: 'number', default: 0 } }) },
  outputs: { value: output<number>('FLOAT') },
  check: ({ literals }, ctx) => {
    calls.push(ctx.nodeId);
    return { facts: { value: literals.value } };
  },
  run: (_i, ctx) => noRun(ctx.nodeId),
});

/** No hook: its output's facts are undefined. */
const Opaque = defineNode({
  type: 'PfOpaque', version: 1, category: 'test', description: 'no check',
  inputs: { value: input<number>('FLOAT', { schema: { type: 'number', default: 0 } }) },
  outputs: { value: output<number>('FLOAT') },
  run: (_i, ctx) => noRun(ctx.nodeId),
});

/** Wants its linked input's fact to equal `expect`; records what it saw. */
const seen = new Map<string, unknown>();
const Expect = defineNode({
  type: 'PfExpect', version: 1, category: 'test', description: 'compares a fact', isOutput: true,
  inputs: {
    value: input<number>('FLOAT'),
    expect: input<number>('FLOAT', { schema: { type: 'number', default: 1 } }),
  },
  outputs: { value: output<number>('FLOAT') },
  check: ({ literals, facts }, ctx) => {
    calls.push(ctx.nodeId);
    seen.set(ctx.nodeId, facts.value);
    if (typeof facts.value === 'number' && facts.value !== literals.expect) {
      return { issues: [{ code: 'E_VALUE_INVALID', input: 'value', message: `Expected ${literals.expect} but received ${facts.value}.`, hint: 'Fix it.' }] };
    }
  },
  run: (_i, ctx) => noRun(ctx.nodeId),
});

/** Fails in its check in the way `mode` says. */
const Throws = defineNode({
  type: 'PfThrows', version: 1, category: 'test', description: 'a failing check', isOutput: true,
  inputs: { mode: input<string>('STRING', { schema: { type: 'string', default: 'coded' } }) },
  outputs: { value: output<number>('FLOAT') },
  check: async ({ literals }, ctx) => {
    calls.push(ctx.nodeId);
    if (literals.mode === 'coded') throw new CodedError('E_TEST_CODED', 'Expected a thing but received another.', { hint: 'Do this.' });
    if (literals.mode === 'plain') throw new TypeError('cannot read properties of undefined');
    if (literals.mode === 'attempt') {
      await ctx.attempt('mode', () => {
        throw new CodedError('E_TEST_ATTEMPT', 'from attempt');
      });
      ctx.report({ code: 'E_TEST_REPORTED', message: 'reported', input: 'mode' });
      return;
    }
    if (literals.mode === 'hostile') {
      return { issues: [{ code: 'not a code', message: 'x'.repeat(100_000), input: 'no-such-input' }] };
    }
    if (literals.mode === 'hang') await new Promise(() => undefined);
  },
  run: (_i, ctx) => noRun(ctx.nodeId),
});

/** A file input: records the path its hook was handed. */
const paths = new Map<string, unknown>();
const ReadFile = defineNode({
  type: 'PfReadFile', version: 1, category: 'test', description: 'a file input', isOutput: true,
  inputs: { path: input<string>('STRING', { schema: { type: 'string', minLength: 1 }, file: 'file' }) },
  outputs: { value: output<number>('FLOAT') },
  check: ({ literals, facts }, ctx) => {
    calls.push(ctx.nodeId);
    paths.set(ctx.nodeId, literals.path ?? facts.path);
  },
  run: (_i, ctx) => noRun(ctx.nodeId),
});

/** A STRING source whose fact is its literal (as the Text node's). */
const Str = defineNode({
  type: 'PfString', version: 1, category: 'test', description: 'a string', inputs: {
    value: input<string>('STRING', { schema: { type: 'string', default: '' } }),
  },
  outputs: { text: output<string>('STRING') },
  check: ({ literals }) => ({ facts: { text: literals.value } }),
  run: ({ value }) => ({ text: value }),
});

const registry = new NodeRegistry([Source, Opaque, Expect, Throws, ReadFile, Str]);
const validated = (g: unknown, outputs?: string[]) => loadGraph(g, registry, outputs).validated;
const reset = () => {
  calls.length = 0;
  ran.length = 0;
  seen.clear();
  paths.clear();
};

test('facts flow along links in topological order; a node without a hook passes undefined; nothing runs', async () => {
  reset();
  const g = graph({
    check2: { type: 'PfExpect', inputs: { value: link('opaque', 'value'), expect: 2 } },
    check1: { type: 'PfExpect', inputs: { value: link('src', 'value'), expect: 2 } },
    src: { type: 'PfSource', inputs: { value: 41 } },
    opaque: { type: 'PfOpaque', inputs: { value: 2 } },
    ok: { type: 'PfExpect', inputs: { value: link('src', 'value'), expect: 41 } },
  });
  const { issues, unchecked } = await preflightGraph(validated(g));
  assert.deepEqual(issues, [{
    code: 'E_VALUE_INVALID', message: 'Expected 2 but received 41.', hint: 'Fix it.', input: 'value', nodeId: 'check1', nodeType: 'PfExpect',
  }]);
  assert.deepEqual(unchecked, []);
  assert.ok(calls.indexOf('src') < calls.indexOf('check1') && calls.indexOf('src') < calls.indexOf('ok'), calls.join());
  assert.equal(seen.get('check2'), undefined, 'no hook upstream: undefined facts');
  assert.ok(seen.has('check2'));
  assert.deepEqual(ran, [], 'no node ran');
});

test('only the nodes the run would execute are checked', async () => {
  reset();
  const g = graph({
    src: { type: 'PfSource', inputs: { value: 1 } },
    wanted: { type: 'PfExpect', inputs: { value: link('src', 'value') } },
    other: { type: 'PfThrows', inputs: { mode: 'coded' } },
  });
  const { issues } = await preflightGraph(validated(g, ['wanted']));
  assert.deepEqual(issues, []);
  assert.deepEqual(calls, ['src', 'wanted']);
});

test('a coded throw keeps its code and hint, anything else is E_CHECK_FAILED, and every node is still checked', async () => {
  reset();
  const g = graph({
    coded: { type: 'PfThrows', inputs: { mode: 'coded' } },
    plain: { type: 'PfThrows', inputs: { mode: 'plain' } },
    attempt: { type: 'PfThrows', inputs: { mode: 'attempt' } },
    hostile: { type: 'PfThrows', inputs: { mode: 'hostile' } },
  });
  const { issues } = await preflightGraph(validated(g));
  const by = (id: string) => issues.filter((i) => i.nodeId === id);
  assert.deepEqual(by('coded'), [{
    code: 'E_TEST_CODED', message: 'Expected a thing but received another.', hint: 'Do this.', nodeId: 'coded', nodeType: 'PfThrows',
  }]);
  assert.equal(by('plain')[0].code, 'E_CHECK_FAILED');
  assert.match(by('plain')[0].message, /PfThrows file check .* cannot read properties of undefined/);
  assert.deepEqual(by('attempt').map((i) => [i.code, i.input]), [['E_TEST_ATTEMPT', 'mode'], ['E_TEST_REPORTED', 'mode']]);
  const [hostile] = by('hostile');
  assert.equal(hostile.code, 'E_CHECK_FAILED', 'a malformed code is replaced');
  assert.equal(hostile.input, undefined, 'an undeclared input is dropped');
  assert.ok(hostile.message.length < 2100, 'a long message is cut');
  assert.deepEqual(ran, []);
});

test('file inputs are resolved and confined before a hook sees them, literal or linked; a refused one skips the hook', async () => {
  reset();
  const root = scratchDir('preflight');
  const allowed = join(root, 'allowed');
  mkdirSync(allowed);
  writeFileSync(join(allowed, 'in.txt'), 'x');
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET');
  const g = graph({
    inside: { type: 'PfReadFile', inputs: { path: 'in.txt' } },
    outside: { type: 'PfReadFile', inputs: { path: '../secret.txt' } },
    name: { type: 'PfString', inputs: { value: join(root, 'secret.txt') } },
    linked: { type: 'PfReadFile', inputs: { path: link('name', 'text') } },
  });
  const { issues } = await preflightGraph(validated(g), { searchPaths: [allowed], confine: [allowed] });
  assert.deepEqual(issues.map((i) => [i.code, i.nodeId, i.input]).sort(), [
    ['E_FILE_NOT_ALLOWED', 'linked', 'path'], ['E_FILE_NOT_ALLOWED', 'outside', 'path'],
  ]);
  for (const i of issues) assert.ok(!i.message.includes(root), i.message);
  assert.equal(paths.get('inside'), join(allowed, 'in.txt'), 'the hook gets the resolved path');
  assert.ok(!paths.has('outside') && !paths.has('linked'), 'no hook saw a refused path');
});

test('a hook that never finishes is left unchecked when the budget runs out', async () => {
  reset();
  const g = graph({ hang: { type: 'PfThrows', inputs: { mode: 'hang' } }, later: { type: 'PfThrows', inputs: { mode: 'coded' } } });
  const t0 = performance.now();
  const report = await preflightGraph(validated(g), { budgetMs: 200 });
  assert.ok(performance.now() - t0 < 2000);
  assert.ok(report.unchecked.includes('hang'), JSON.stringify(report));
});

test('checkGraph: files false skips the hooks; Engine.run with checkFiles refuses before any node starts', async () => {
  reset();
  const g = graph({ src: { type: 'PfSource', inputs: { value: 5 } }, out: { type: 'PfExpect', inputs: { value: link('src', 'value') } } });
  await checkGraph(g, registry, { files: false });
  assert.deepEqual(calls, []);
  await assert.rejects(checkGraph(g, registry), (err: GraphValidationError) => err.issues[0].nodeId === 'out');

  const events: RunEvent[] = [];
  const engine = new Engine(registry);
  await assert.rejects(engine.run(g, { checkFiles: true, onEvent: (e) => events.push(e) }), GraphValidationError);
  assert.deepEqual(events.map((e) => e.type), ['run_error']);
  const error = events[0] as { issues?: Array<{ code: string; nodeId: string }> };
  assert.deepEqual(error.issues?.map((i) => [i.code, i.nodeId]), [['E_VALUE_INVALID', 'out']]);
  assert.deepEqual(ran, []);
  await engine.run(g, { onEvent: (e) => events.push(e) }); // without checkFiles the run goes ahead
  assert.deepEqual(ran, ['src', 'out']);
});
