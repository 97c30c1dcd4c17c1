import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CUSTOM_SUBJECTS, detect, patternScore, renderScene, type CustomSubjectName } from '../../../eval/detect';

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
