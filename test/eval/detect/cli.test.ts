import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { parseDetectArgs, runDetectCli, splitRawBatch } from '../../../eval/detect/cli';
import { recognitionThreshold, renderScene } from '../../../eval/detect';

const twoObjects = renderScene([{ shape: 'circle', colour: 'red', cx: 16, cy: 32, size: 24 }, { shape: 'square', colour: 'blue', cx: 48, cy: 32, size: 22 }], 'cream').image;
const holedStar = renderScene([{ shape: 'star', colour: 'yellow', cx: 32, cy: 32, size: 26, pattern: 'hole' }], 'white').image;

test('detect CLI on PNG files: objects, colour regions, two-coloured blobs, as JSON-ready data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detect-cli-'));
  try {
    const file = join(dir, 'two.png');
    await sharp(Buffer.from(twoObjects.data), { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(file);
    const out = await runDetectCli([file]);
    assert.equal(out.subject, null);
    assert.equal(out.images.length, 1);
    const [img] = out.images;
    assert.equal(img.source, file);
    assert.deepEqual(img.objects.map((o) => [o.colour, o.shape]).sort(), [['blue', 'square'], ['red', 'circle']]);
    assert.equal(img.twoColourBlobs, 0);
    const red = img.colourBoxes.red!;
    assert.ok(red[0] >= 3 && red[2] <= 29 && red[2] - red[0] >= 22, `red region ${red}`);
    assert.equal(img.colourBoxes.green, null);
    assert.equal(img.pattern, undefined);
    JSON.parse(JSON.stringify(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect CLI on a raw [N, H, W, 3] batch from stdin, with a custom subject: pattern score, recognised and silhouette shape', async () => {
  const batch = new Uint8Array([...holedStar.data, ...twoObjects.data]);
  const out = await runDetectCli(['--subject', 'holed_star', '--raw', '-', '--width', '64', '--height', '64'], async () => batch);
  assert.deepEqual(out.subject, { name: 'holed_star', baseWord: 'star', colour: 'yellow', pattern: 'hole', ...recognitionThreshold('holed_star') });
  assert.deepEqual(out.images.map((i) => i.source), ['stdin:0', 'stdin:1']);
  assert.ok(out.images[0].pattern! > 0.9 && out.images[0].recognised === 1, JSON.stringify(out.images[0]));
  assert.equal(out.images[1].pattern, null, 'no yellow in the second image');
  assert.equal(out.images[1].recognised, 0);
  assert.equal(out.images[0].silhouetteShape, 'star');
  assert.equal(out.images[1].silhouetteShape, null);
});

test('detect CLI --silhouette reads any colour\'s silhouette with a pattern\'s closing, null when the colour is absent', async () => {
  const striped = renderScene([{ shape: 'square', colour: 'red', cx: 32, cy: 32, size: 24, pattern: 'striped' }], 'cream').image;
  const out = await runDetectCli(['--silhouette', 'red:striped', '--silhouette', 'blue:striped', '--raw', '-', '--width', '64', '--height', '64'], async () => new Uint8Array([...striped.data, ...twoObjects.data]));
  assert.deepEqual(out.images.map((i) => i.silhouettes), [{ 'red:striped': 'square', 'blue:striped': null }, { 'red:striped': 'circle', 'blue:striped': 'square' }]);
  assert.equal(out.subject, null);
  // Without the query the report has no silhouettes field.
  assert.equal((await runDetectCli(['--raw', '-', '--width', '64', '--height', '64'], async () => striped.data)).images[0].silhouettes, undefined);
});

test('detect CLI --silhouette is read off the palette backgrounds too, where the subject\'s silhouetteShape is null', async () => {
  const scene = renderScene([{ shape: 'square', colour: 'blue', cx: 32, cy: 32, size: 24, pattern: 'striped' }], 'cream');
  const brown = Uint8Array.from(scene.image.data);
  const cream = Array.from(brown.subarray(0, 3)); // the corner pixel is background
  for (let p = 0; p < brown.length; p += 3) {
    if (brown[p] === cream[0] && brown[p + 1] === cream[1] && brown[p + 2] === cream[2]) brown.set([120, 80, 40], p);
  }
  const args = ['--subject', 'striped_square', '--silhouette', 'blue:striped', '--raw', '-', '--width', '64', '--height', '64'];
  const [onCream, onBrown] = (await runDetectCli(args, async () => new Uint8Array([...scene.image.data, ...brown]))).images;
  assert.deepEqual([onCream.plainScene, onCream.silhouetteShape, onCream.silhouettes], [true, 'square', { 'blue:striped': 'square' }]);
  assert.deepEqual([onBrown.plainScene, onBrown.silhouetteShape, onBrown.silhouettes], [false, null, { 'blue:striped': 'square' }]);
});

test('detect CLI arguments and input errors are coded', () => {
  for (const bad of ['red', 'teal:striped', 'red:dotted', 'red:striped:x', ':striped']) {
    assert.throws(() => parseDetectArgs(['--silhouette', bad, 'a.png']), { code: 'E_EVAL_ARGS' }, bad);
  }
  assert.deepEqual(parseDetectArgs(['a.png', 'b.png']), { subject: null, silhouettes: [], files: ['a.png', 'b.png'], raw: null });
  assert.deepEqual(parseDetectArgs(['--silhouette', 'red:striped', '--silhouette', 'blue:checkered', 'a.png']).silhouettes, [{ colour: 'red', pattern: 'striped' }, { colour: 'blue', pattern: 'checkered' }]);
  assert.throws(() => parseDetectArgs([]), { code: 'E_EVAL_ARGS' });
  assert.throws(() => parseDetectArgs(['--subject', 'dotted_triangle', 'a.png']), { code: 'E_EVAL_ARGS' });
  assert.throws(() => parseDetectArgs(['--raw', '-']), { code: 'E_EVAL_ARGS' }, 'size required');
  assert.throws(() => parseDetectArgs(['--raw', '-', '--width', '64', '--height', '0']), { code: 'E_EVAL_ARGS' });
  assert.throws(() => parseDetectArgs(['--raw', '-', '--width', '64', '--height', '64', 'a.png']), { code: 'E_EVAL_ARGS' });
  assert.throws(() => parseDetectArgs(['--frobnicate', '1']), { code: 'E_EVAL_ARGS' });
  assert.throws(() => splitRawBatch(new Uint8Array(64 * 64 * 3 + 1), 64, 64), { code: 'E_EVAL_IMAGE' });
  assert.throws(() => splitRawBatch(new Uint8Array(0), 64, 64), { code: 'E_EVAL_IMAGE' });
  assert.equal(splitRawBatch(new Uint8Array(2 * 4 * 4 * 3), 4, 4).length, 2);
});

test('detect CLI: an unreadable PNG is E_EVAL_IMAGE', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detect-cli-'));
  try {
    writeFileSync(join(dir, 'bad.png'), 'not a png');
    await assert.rejects(runDetectCli([join(dir, 'bad.png')]), { code: 'E_EVAL_IMAGE' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
