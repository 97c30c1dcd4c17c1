import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CUSTOM_SUBJECTS, detect, patternScore, recognitionThreshold, referencePatternScore, renderScene, RECOGNITION_FRACTION, RECOGNITION_RENDERS, RECOGNITION_SEED, type CustomSubjectName } from '../../../eval/detect';
import { mulberry32 } from '../../../eval/random';

test('custom-subject pattern score: clearly above 0 with the pattern, 0 without, on every background', () => {
  for (const name of Object.keys(CUSTOM_SUBJECTS) as CustomSubjectName[]) {
    const { baseWord, colour, pattern } = CUSTOM_SUBJECTS[name];
    for (const bg of ['white', 'gray', 'cream'] as const) {
      const object = { shape: baseWord, colour, cx: 31, cy: 33, size: 26 };
      const withPattern = renderScene([{ ...object, pattern }], bg).image;
      const plain = renderScene([object], bg).image;
      const s = patternScore(withPattern, detect(withPattern), colour, pattern)!;
      const p = patternScore(plain, detect(plain), colour, pattern)!;
      // Ground truth: half the cells (checkered), half the rows (striped), all of the hole disc.
      assert.ok(s > 0.4, `${name} on ${bg}: ${s}`);
      assert.ok(p < 0.05, `${name} plain on ${bg}: ${p}`);
    }
  }
  const empty = renderScene([], 'white').image;
  assert.equal(patternScore(empty, detect(empty), 'red', 'checkered'), null);
});

test('pattern phase: an off-grid phase (data.py draws one at random) blurs cell edges and lowers the score; the hole has no phase', () => {
  const object = { shape: 'circle', colour: 'red', cx: 31, cy: 33, size: 26, pattern: 'checkered' } as const;
  const score = (phase?: readonly [number, number]) => {
    const image = renderScene([{ ...object, ...(phase ? { phase } : {}) }], 'white').image;
    return patternScore(image, detect(image), 'red', 'checkered')!;
  };
  assert.equal(score([0, 0]), score(), 'phase [0, 0] is the default');
  assert.ok(score([2.5, 2.5]) < score() - 0.05, `${score([2.5, 2.5])} vs ${score()}`);
  assert.ok(Math.abs(score([5, 5]) - score()) < 0.05, 'a whole cell of offset only swaps which cells are white');
});

test('recognition threshold: half the mean score of training-like renders (random phase), below the crisp ground truth, deterministic', () => {
  assert.equal(RECOGNITION_FRACTION, 0.5);
  for (const name of Object.keys(CUSTOM_SUBJECTS) as CustomSubjectName[]) {
    const t = recognitionThreshold(name);
    assert.equal(t.reference, referencePatternScore(name, mulberry32(RECOGNITION_SEED), RECOGNITION_RENDERS, 'random'));
    assert.equal(t.threshold, RECOGNITION_FRACTION * t.reference);
    const crisp = referencePatternScore(name, mulberry32(RECOGNITION_SEED), 12);
    if (name === 'holed_star') assert.ok(t.reference > 0.95 && crisp > 0.95, `${name}: ${t.reference} / ${crisp}`);
    else assert.ok(t.reference > 0.25 && t.reference < crisp - 0.05, `${name}: ${t.reference} vs crisp ${crisp}`);
  }
});
