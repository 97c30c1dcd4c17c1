import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { colourLayoutFromPixels, decodePixels, parseColourKey, readColourLayout } from '../../../diffusion/layout/colour-layout';
import { cones2Manifest, fixturePath, referencePath, referenceSkip } from '../../helpers/paths';

/** A mug (orange) left of a dog (red) in the bottom half: the project's drawing, and the reference example. */
const MUG_AND_DOG = [
  { name: 'layouts/two_subjects.png (project fixture)', path: fixturePath('layouts', 'two_subjects.png'), skip: false },
  { name: 'layout_example.png (reference)', path: referencePath('cones2-official', 'layout_example.png'), skip: referenceSkip },
] as const;
/** Folders of reference-style guidance configs (layout paths relative to the folder above configs/). */
const CONFIG_FOLDERS = [
  { name: 'project fixtures', path: fixturePath('configs'), skip: false },
  { name: 'the student reference configs', path: referencePath('cones2-student', 'configs'), skip: referenceSkip },
] as const;
const TABLE = { '255,192,0': ['mug', 2.5], '255,0,0': ['dog', 2.5] } as const;
const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

/** 4x1 RGB strip: red, a blended red/white edge pixel, white, orange. */
const STRIP = { data: Uint8Array.from([255, 0, 0, 255, 128, 128, 255, 255, 255, 255, 192, 0]), width: 4, height: 1, channels: 3 };

test('colours match exactly: a blended edge pixel belongs to no subject', () => {
  const [mug, dog] = colourLayoutFromPixels(STRIP, TABLE, { width: 4, height: 1 });
  assert.equal(mug.phrase, 'mug');
  assert.deepEqual(Array.from(mug.mask), [0, 0, 0, 1]);
  assert.deepEqual(Array.from(dog.mask), [1, 0, 0, 0]);
  assert.deepEqual(dog.colour, [255, 0, 0]);
});

test('the image is resized with nearest neighbour before matching, so no new colours appear', () => {
  const [mug, dog] = colourLayoutFromPixels(STRIP, TABLE, { width: 8, height: 2 });
  assert.deepEqual(Array.from(dog.mask.subarray(0, 8)), [1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(mug.mask.subarray(8)), [0, 0, 0, 0, 0, 0, 1, 1]);
});

test('alpha is ignored and grey images are read as R = G = B', () => {
  const rgba = { data: Uint8Array.from([255, 0, 0, 0, 255, 192, 0, 255]), width: 2, height: 1, channels: 4 };
  const [mug, dog] = colourLayoutFromPixels(rgba, TABLE, { width: 2, height: 1 });
  assert.deepEqual([Array.from(mug.mask), Array.from(dog.mask)], [[0, 1], [1, 0]]);
  const grey = { data: Uint8Array.from([0, 200]), width: 2, height: 1, channels: 1 };
  const [g] = colourLayoutFromPixels(grey, { '200,200,200': ['cloud', 1] }, { width: 2, height: 1 });
  assert.deepEqual(Array.from(g.mask), [0, 1]);
});

test('a missing colour lists the colours that occur, most frequent first', () => {
  const read = () => colourLayoutFromPixels(STRIP, { '255,0,1': ['dog', 2.5] }, { width: 4, height: 1, listColours: 2 });
  assert.throws(read, (err: Error & { code: string; details: { present: { colour: string }[] } }) => {
    assert.equal(err.code, 'E_LAYOUT_COLOUR_NOT_FOUND');
    assert.match(err.message, /"255,0,1" \(dog\)/);
    assert.equal(err.details.present.length, 2);
    assert.match(err.message, /255,0,0 \(25\.0%\)/);
    return true;
  });
});

test('colour keys are validated', () => {
  assert.deepEqual(parseColourKey(' 255, 192,0 '), [255, 192, 0]);
  for (const key of ['255,0', '256,0,0', '1.5,0,0', 'red', '1,,2']) {
    assert.throws(() => parseColourKey(key), { code: 'E_LAYOUT_COLOUR_KEY' }, key);
  }
  const table = { '255,0,0': ['dog'] as unknown as [string, number] };
  assert.throws(() => colourLayoutFromPixels(STRIP, table, { width: 4, height: 1 }), { code: 'E_LAYOUT_COLOUR_KEY' });
});

for (const { name, path, skip } of MUG_AND_DOG) {
  test(`${name} decodes to 768x768 and yields one mask per table colour`, { skip }, async () => {
    const pixels = await decodePixels(path);
    assert.deepEqual([pixels.width, pixels.height], [768, 768]);
    const [mug, dog] = await readColourLayout(path, TABLE, { width: 768, height: 768 });
    assert.ok(count(mug.mask) > 50_000 && count(dog.mask) > 50_000);
    const row = 600 * 768;
    assert.equal(mug.mask[row + 200], 1);
    assert.equal(dog.mask[row + 550], 1);
    assert.equal(mug.mask[100 * 768 + 200], 0);
  });
}

test('exact-colour pixel counts of the project layouts equal numpy\'s (training/make_test_fixtures.py)', async () => {
  for (const [file, colours] of Object.entries(cones2Manifest().layouts)) {
    const table = Object.fromEntries(Object.keys(colours).map((key, i) => [key, [`subject${i}`, 2.5] as [string, number]]));
    const masks = await readColourLayout(fixturePath('layouts', file), table, { width: 768, height: 768 });
    assert.deepEqual(masks.map((m) => count(m.mask)), Object.values(colours).map((c) => c.pixels), file);
  }
});

test('an unreadable image is E_LAYOUT_IMAGE_READ', async () => {
  await assert.rejects(readColourLayout('/nonexistent/layout.png', TABLE, { width: 8, height: 8 }), { code: 'E_LAYOUT_IMAGE_READ' });
  await assert.rejects(decodePixels(Buffer.from('not a png')), { code: 'E_LAYOUT_IMAGE_READ' });
});

for (const { name, path, skip } of CONFIG_FOLDERS) {
  test(`every colour of ${name} occurs in its layout; masks are disjoint`, { skip }, async () => {
    const files = readdirSync(path).filter((f) => f.endsWith('.json')).sort();
    assert.ok(files.length >= 3, `${files.length} configs`);
    for (const file of files) {
      const [config] = JSON.parse(await readFile(join(path, file), 'utf8'));
      // Config layout paths are relative to the folder above configs/ (docs/method.md section 14).
      const masks = await readColourLayout(join(dirname(path), config.layout), config.color_context, { width: 768, height: 768 });
      assert.equal(masks.length, Object.keys(config.color_context).length);
      const cover = new Uint8Array(768 * 768);
      for (const { mask, phrase } of masks) {
        assert.ok(count(mask) > 0, `${file} ${phrase}`);
        mask.forEach((v, k) => { cover[k] += v; });
      }
      assert.ok(cover.every((v) => v <= 1), `${file}: exact colours cannot overlap`);
    }
  });
}
