import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKGROUND_NAMES, CUSTOM_SUBJECTS, detect, IMAGE_SIZE, renderScene, SHAPES, silhouette, silhouetteShape, type CustomSubjectName } from '../../../eval/detect';
import { mulberry32 } from '../../../eval/random';

const NAMES = Object.keys(CUSTOM_SUBJECTS) as CustomSubjectName[];

test('silhouette shape: training-like renders of each custom subject (random size, place, background, phase) read as its base shape', () => {
  const rng = mulberry32(5);
  for (const name of NAMES) {
    const { baseWord, colour, pattern } = CUSTOM_SUBJECTS[name];
    let right = 0, pieces = 0;
    const n = 40;
    for (let i = 0; i < n; i++) {
      const size = rng.uniform(22, 28);
      const r = size / 2 + 1;
      const object = { shape: baseWord, colour, pattern, size, cx: rng.uniform(r, IMAGE_SIZE - r), cy: rng.uniform(r, IMAGE_SIZE - r), phase: [rng.int(20) / 4, rng.int(24) / 4] as const };
      const image = renderScene([object], rng.pick(BACKGROUND_NAMES)).image;
      const detection = detect(image);
      if (silhouetteShape(detection, colour, pattern) === baseWord) right++;
      // What the silhouette is for: the colour's own pixels come in pieces for the checks and stripes.
      pieces += detection.objects.filter((o) => o.colour === colour).length > 1 ? 1 : 0;
    }
    assert.ok(right >= n - 1, `${name}: ${right} of ${n} right`);
    if (pattern !== 'hole') assert.ok(pieces > n / 2, `${name}: the colour's pixels were one object in ${n - pieces} of ${n}`);
  }
});

test('silhouette shape: a plain shape keeps its class under every pattern\'s closing, and the hole is filled', () => {
  for (const shape of SHAPES) {
    for (const background of BACKGROUND_NAMES) {
      const image = renderScene([{ shape, colour: 'green', cx: 30, cy: 33, size: 24 }], background).image;
      const detection = detect(image);
      for (const { pattern } of Object.values(CUSTOM_SUBJECTS)) {
        assert.equal(silhouetteShape(detection, 'green', pattern), shape, `${shape} on ${background}, ${pattern} closing`);
      }
    }
  }
  const holed = renderScene([{ shape: 'star', colour: 'yellow', pattern: 'hole', cx: 32, cy: 32, size: 26 }], 'white');
  const plain = renderScene([{ shape: 'star', colour: 'yellow', cx: 32, cy: 32, size: 26 }], 'white');
  const area = (img: typeof holed.image) => silhouette(detect(img), 'yellow', 'hole')!.length;
  assert.ok(Math.abs(area(holed.image) - area(plain.image)) <= 4, `holed ${area(holed.image)} vs plain ${area(plain.image)} px`);
});

test('silhouette: picks the subject\'s colour among other objects, null when the colour is absent', () => {
  const scene = renderScene([
    { shape: 'square', colour: 'blue', pattern: 'striped', cx: 18, cy: 20, size: 24 },
    { shape: 'star', colour: 'yellow', cx: 46, cy: 44, size: 24 },
    { shape: 'circle', colour: 'red', cx: 46, cy: 14, size: 16 },
  ], 'cream');
  const detection = detect(scene.image);
  assert.equal(silhouetteShape(detection, 'blue', 'striped'), 'square');
  const pixels = silhouette(detection, 'blue', 'striped')!;
  assert.ok(pixels.every((p) => p % IMAGE_SIZE < 34 && Math.floor(p / IMAGE_SIZE) < 36), 'the silhouette stays on the blue square');
  assert.equal(silhouetteShape(detection, 'green', 'checkered'), null);
  const empty = renderScene([], 'gray').image;
  assert.equal(silhouette(detect(empty), 'red', 'checkered'), null);
});
