import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { modelDigest } from '../../eval/model-digest';
import { scratchDir } from '../helpers/scratch';

const EMBEDDED = resolve(import.meta.dirname, '..', '..', 'models', 'shapes');

function fakeModel(unetBytes: number[], configText = '{}'): string {
  const dir = scratchDir('digest');
  mkdirSync(join(dir, 'unet'));
  mkdirSync(join(dir, 'residuals'));
  writeFileSync(join(dir, 'unet', 'model.onnx'), Buffer.from(unetBytes));
  writeFileSync(join(dir, 'unet', 'config.json'), configText);
  writeFileSync(join(dir, 'residuals', 'a.safetensors'), Buffer.from([9, 9]));
  writeFileSync(join(dir, 'model_index.json'), '{}');
  return dir;
}

test('modelDigest: same weights give the same digest wherever they are; 12 hex digits', () => {
  const a = modelDigest(fakeModel([1, 2, 3]));
  assert.match(a, /^[0-9a-f]{12}$/);
  assert.equal(modelDigest(fakeModel([1, 2, 3])), a);
});

test('modelDigest: one changed weight byte changes it, a changed config does not', () => {
  const a = modelDigest(fakeModel([1, 2, 3]));
  assert.notEqual(modelDigest(fakeModel([1, 2, 4])), a);
  assert.equal(modelDigest(fakeModel([1, 2, 3], '{"changed": true}')), a);
});

test('modelDigest: a residual counts as weights', () => {
  const dir = fakeModel([1, 2, 3]);
  const before = modelDigest(dir);
  writeFileSync(join(dir, 'residuals', 'a.safetensors'), Buffer.from([9, 8]));
  assert.notEqual(modelDigest(dir), before);
});

test('modelDigest: a folder without weight files says so', () => {
  assert.equal(modelDigest(scratchDir('digest-empty')), 'no weights');
});

test('modelDigest: the embedded model has one', () => {
  assert.match(modelDigest(EMBEDDED), /^[0-9a-f]{12}$/);
});
