import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolvePositions } from '../../diffusion/pipeline/layout-plan';
import { loadClipTokenizer } from '../../diffusion/tokenizer';
import { backgroundSets, boxSizeSets, customSets, halvesSets, heldoutSets, joinCaption, makeSet, standardSets, BOX_SIDE } from '../../eval/sets';

const tokenizer = await loadClipTokenizer(join(import.meta.dirname, '..', '..', 'models', 'shapes', 'tokenizer'));
const all = [...standardSets(12), ...boxSizeSets(12), ...halvesSets(12), ...backgroundSets(12), ...heldoutSets(12), ...customSets(12, ['checkered_circle', 'striped_square', 'holed_star'])];

test('caption grammar of data.py: "a", "a and b", "a, b and c"', () => {
  assert.equal(joinCaption(['a red circle']), 'a red circle');
  assert.equal(joinCaption(['x', 'y']), 'x and y');
  assert.equal(joinCaption(['x', 'y', 'z', 'w']), 'x, y, z and w');
});

test('sets are deterministic, and a set does not depend on n for its first samples', () => {
  assert.deepEqual(standardSets(12), standardSets(12));
  assert.deepEqual(makeSet('two', '', { count: 2, n: 3, seed: 102 }).samples, makeSet('two', '', { count: 2, n: 8, seed: 102 }).samples.slice(0, 3));
  const seeds = all.flatMap((s) => s.samples.map((x) => x.seed));
  assert.equal(new Set(seeds).size, seeds.length, 'every sample has its own diffusion seed');
});

test('boxes: inside the image, pairwise disjoint, of the set\'s side; every layout phrase resolves to its own tokens', () => {
  for (const set of all) {
    for (const sample of set.samples) {
      const boxes = sample.subjects.map((s) => s.box);
      for (const [x0, y0, x1, y1] of boxes) assert.ok(x0 >= 0 && y0 >= 0 && x1 <= 1 && y1 <= 1 && x0 < x1 && y0 < y1, `${sample.id} ${boxes}`);
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        assert.ok(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], `${sample.id}: boxes overlap`);
      }
      for (const mode of ['fixed', 'adaptive'] as const) {
        const positions = resolvePositions(sample.subjects.map((s) => s.phrase), tokenizer.tokenize(sample.prompt, { mode }));
        positions.forEach((p, k) => assert.equal(p.length, sample.subjects[k].phrase.split(' ').length, `${sample.id} ${sample.subjects[k].phrase}`));
      }
    }
  }
  const small = boxSizeSets(4)[0].samples[0].subjects[0].box;
  assert.ok(Math.abs(small[2] - small[0] - BOX_SIDE.small[2]) < 1e-3);
  const halves = [[0, 0, 0.5, 1], [0.5, 0, 1, 1], [0, 0, 1, 0.5], [0, 0.5, 1, 1]].map(String);
  for (const s of halvesSets(12)[0].samples) for (const subject of s.subjects) assert.ok(halves.includes(String(subject.box)), `${s.id}: ${subject.box} is a half of the image`);
});

test('similar-subject sets share exactly the attribute they promise; ordinary sets repeat neither', () => {
  const byName = new Map(all.map((s) => [s.name, s]));
  for (const s of byName.get('same_colour')!.samples) { assert.equal(new Set(s.subjects.map((x) => x.colour)).size, 1); assert.equal(new Set(s.subjects.map((x) => x.shape)).size, 2); }
  for (const s of byName.get('same_shape')!.samples) { assert.equal(new Set(s.subjects.map((x) => x.shape)).size, 1); assert.equal(new Set(s.subjects.map((x) => x.colour)).size, 2); }
  for (const name of ['two', 'three', 'four']) {
    for (const s of byName.get(name)!.samples) assert.equal(new Set(s.subjects.map((x) => x.colour)).size, s.subjects.length);
  }
  assert.deepEqual(byName.get('four')!.samples.map((s) => s.subjects.length), new Array(12).fill(4));
});

test('custom sets: the bare base word carries the subject; the other subject avoids its colour and shape', () => {
  for (const s of customSets(6, ['striped_square']).flatMap((x) => x.samples)) {
    assert.deepEqual({ ...s.subjects[0], box: null }, { colour: 'blue', shape: 'square', phrase: 'square', box: null, custom: 'striped_square' });
    for (const other of s.subjects.slice(1)) assert.ok(other.colour !== 'blue' && other.shape !== 'square');
    assert.match(s.prompt, /(^|, | and )a square( and|,|$)/);
  }
  assert.throws(() => makeSet('x', '', { count: 2, n: 0, seed: 1 }), { code: 'E_EVAL_SPEC' });
});

test('background sets end every prompt with data.py\'s " on a <colour> background", each colour drawn, others name none', () => {
  for (const set of backgroundSets(24)) {
    for (const sample of set.samples) {
      assert.ok(sample.background, sample.id);
      assert.ok(sample.prompt.endsWith(` on a ${sample.background} background`), sample.prompt);
    }
    assert.deepEqual(new Set(set.samples.map((s) => s.background)), new Set(['white', 'gray', 'cream']));
  }
  assert.ok(standardSets(12).every((set) => set.samples.every((s) => s.background === undefined && !s.prompt.includes('background'))));
});

test('custom sets: a subject\'s samples do not depend on which other subjects are asked for, or in which order', () => {
  const alone = customSets(6, ['holed_star']);
  const all = customSets(6, ['checkered_circle', 'striped_square', 'holed_star']);
  const reversed = customSets(6, ['holed_star', 'striped_square', 'checkered_circle']);
  for (const name of ['holed_star_alone', 'holed_star_pair']) {
    const pick = (list: typeof all) => JSON.stringify(list.find((x) => x.name === name)!.samples);
    assert.equal(pick(alone), pick(all));
    assert.equal(pick(reversed), pick(all));
  }
});
