import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ancestorsOf, CycleError, topoSort } from '../../engine/toposort';

const deps = (o: Record<string, string[]>) => new Map(Object.entries(o));

test('orders every node after its dependencies, ties in given order', () => {
  const order = topoSort(['d', 'b', 'a', 'c'], deps({ d: ['b', 'c'], b: ['a'], c: [] }));
  assert.deepEqual(order, ['a', 'c', 'b', 'd']);
});

test('self-loop and long cycle are reported with their members', () => {
  assert.throws(() => topoSort(['x'], deps({ x: ['x'] })), (e: unknown) => e instanceof CycleError && e.cycle.join() === 'x');
  try {
    topoSort(['a', 'b', 'c', 'z'], deps({ a: ['c'], b: ['a'], c: ['b'], z: ['a'] }));
    assert.fail('expected a cycle');
  } catch (e) {
    assert.ok(e instanceof CycleError);
    assert.deepEqual([...e.cycle].sort(), ['a', 'b', 'c']);
  }
});

test('ancestors include targets and everything upstream only', () => {
  const d = deps({ out: ['m'], m: ['a', 'b'], other: ['a'], a: [], b: [] });
  assert.deepEqual([...ancestorsOf(['out'], d)].sort(), ['a', 'b', 'm', 'out']);
});

test('duplicate dependencies (two inputs from one node) count once', () => {
  assert.deepEqual(topoSort(['b', 'a'], deps({ b: ['a', 'a'] })), ['a', 'b']);
});
