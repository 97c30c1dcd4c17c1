import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COLOUR_NAMES, SHAPES } from '../../eval/detect/palette';
import { experiments } from '../../eval/experiments';
import { fnv1a32, heldoutPair, heldoutScene, pairKey, type ObjectAttrs } from '../../eval/heldout';
import { heldoutSets, makeSet } from '../../eval/sets';

// The list training/data.py prints for the same rule (/usr/bin/python3 -c "import data, itertools; ..." in training/):
// the two languages must agree, or a --heldout model would be evaluated on scenes it saw.
const PYTHON_HELDOUT = [
  'blue square + green triangle', 'blue square + red star', 'blue square + yellow square', 'blue star + yellow star',
  'blue star + yellow triangle', 'blue triangle + green square', 'blue triangle + red square',
  'green circle + green triangle', 'green circle + purple square', 'green square + purple circle',
  'green square + yellow star', 'green star + green triangle', 'green triangle + red triangle',
  'purple circle + yellow star', 'purple circle + yellow triangle', 'purple star + red square',
  'purple triangle + yellow circle', 'red circle + red triangle', 'red square + yellow circle',
  'red triangle + yellow square',
];

const objects: ObjectAttrs[] = COLOUR_NAMES.flatMap((colour) => SHAPES.map((shape) => ({ colour, shape })));
const attrs = (phrase: string): ObjectAttrs => {
  const [colour, shape] = phrase.split(' ') as [ObjectAttrs['colour'], ObjectAttrs['shape']];
  return { colour, shape };
};

test('FNV-1a 32: the published test vectors', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});

test('the held-out pairs are the ones training/data.py skips, and none is an example graph\'s pair', () => {
  const held = objects.flatMap((a, i) => objects.slice(i + 1).filter((b) => heldoutPair(a, b)).map((b) => pairKey(a, b))).sort();
  assert.deepEqual(held, PYTHON_HELDOUT);
  assert.equal(pairKey(attrs('red circle'), attrs('blue square')), 'blue square + red circle', 'order-free key');
  for (const [a, b] of [['red circle', 'blue square'], ['red circle', 'green triangle'], ['red circle', 'yellow star'], ['yellow star', 'green triangle']]) {
    assert.equal(heldoutPair(attrs(a), attrs(b)), false, `${a} + ${b} is shown by graphs/`);
  }
  assert.equal(heldoutScene([attrs('red circle')]), false, 'one object has no pair');
  assert.equal(heldoutScene([attrs('red circle'), attrs('purple star'), attrs('red square')]), true, 'purple star + red square inside a bigger scene');
});

test('held-out sets: every multi-subject prompt is a held-out scene, and the sets stay deterministic', () => {
  const sets = heldoutSets(24);
  assert.deepEqual(sets, heldoutSets(24));
  for (const set of sets) {
    for (const sample of set.samples) {
      const scene = sample.subjects.map(({ colour, shape }) => ({ colour, shape }));
      if (scene.length > 1) assert.ok(heldoutScene(scene), `${sample.id}: ${sample.prompt}`);
    }
  }
  // The ordinary 2-subject set, drawn without the rule, is mostly seen scenes: the rule is what makes the split.
  const plain = makeSet('two', '', { count: 2, n: 48, seed: 102 }).samples.filter((s) => heldoutScene(s.subjects));
  assert.ok(plain.length < 24, `${plain.length} of 48 ordinary pairs are held out`);
  const counts = sets.map((s) => s.samples[0].subjects.length);
  assert.deepEqual(counts, [1, 2, 4, 1, 2]);
  assert.ok(sets.filter((s) => s.name.endsWith('background')).every((s) => s.samples.every((x) => x.background && x.prompt.endsWith(`on a ${x.background} background`))));
});

test('the targets experiment reads only held-out and custom sets, with a target on every summary row', () => {
  const t = experiments({ customSets: ['checkered_circle_alone', 'checkered_circle_pair'] }).find((e) => e.id === 'targets');
  assert.ok(t);
  assert.ok(t.sets.every((s) => s.startsWith('heldout_') || s === 'checkered_circle_alone'), t.sets.join());
  assert.ok(t.summary?.length === 5 && t.summary.every((r) => r.target));
  for (const row of t.summary) for (const p of [...row.parts, ...(row.detail ?? [])]) {
    assert.ok(t.sets.includes(p.set), p.set);
    assert.ok(t.conditions.some((c) => c.label === p.condition && (!c.sets || c.sets.includes(p.set))), `${p.set} / ${p.condition}`);
  }
});
