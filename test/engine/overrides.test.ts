import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphValidationError, loadGraph, type InputOverride } from '../../engine';
import { graph, link, testRegistry } from '../helpers/test-nodes';

const registry = testRegistry();
const sink = (from: string, output = 'sum') => ({ type: 'TestSink', inputs: { value: link(from, output) } });
const set = (target: string, text: string): InputOverride => {
  const dot = target.lastIndexOf('.');
  return { nodeId: target.slice(0, dot), input: target.slice(dot + 1), text };
};

test('overrides are read as JSON for non-text inputs and kept as text for text inputs', () => {
  const source = graph({ a: { type: 'TestAdd', inputs: { a: 1 } }, t: { type: 'Text', inputs: { value: 'x' } }, out: sink('a') });
  const loaded = loadGraph(source, registry, undefined, [set('a.a', '3'), set('a.b', '2.5'), set('t.value', '3')]);
  assert.deepEqual(loaded.validated.nodes.get('a')!.literals, { a: 3, b: 2.5 });
  assert.equal(loaded.validated.nodes.get('t')!.literals.value, '3');
  assert.equal(loaded.file.nodes.t.inputs!.value, '3', 'the loaded file carries the overrides (PNG provenance)');
  assert.equal((source.nodes as Record<string, { inputs: { a: number } }>).a.inputs.a, 1, 'the caller\'s object is not mutated');
});

test('overrides apply after migration, so they name inputs as the current node version does', () => {
  const v1 = graph({ r: { type: 'TestRenamed', version: 1, inputs: { amount: 1 } }, out: sink('r', 'value') });
  const loaded = loadGraph(v1, registry, undefined, [set('r.value', '7')]);
  assert.deepEqual(loaded.validated.nodes.get('r')!.literals, { value: 7 });
});

test('an override is validated like a literal; an unknown node is E_SET_UNKNOWN_NODE, collected with the rest', () => {
  const source = graph({ a: { type: 'TestAdd' }, out: sink('a') });
  const overrides = [set('ghost.value', '1'), set('a.a', '"text"'), set('a.zz', '1')];
  assert.throws(() => loadGraph(source, registry, undefined, overrides), (err: GraphValidationError) => {
    const codes = err.issues.map((i) => `${i.code}:${i.nodeId}.${i.input}`).sort();
    assert.deepEqual(codes, ['E_SET_UNKNOWN_NODE:ghost.value', 'E_UNKNOWN_INPUT:a.zz', 'E_VALUE_INVALID:a.a']);
    assert.match(err.issues.find((i) => i.code === 'E_SET_UNKNOWN_NODE')!.hint!, /a, out/);
    return true;
  });
});
