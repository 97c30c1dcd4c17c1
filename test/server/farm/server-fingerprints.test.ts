/** server/farm/server-fingerprints.ts: which copy of a model folder the server fingerprints, and what a worker must hold. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fingerprint } from '../../../server/farm/models';
import { holdsAll, serverFingerprints } from '../../../server/farm/server-fingerprints';
import { scratchDir } from '../../helpers/scratch';

function modelFolder(dir: string, config = '{"a":1}'): void {
  mkdirSync(join(dir, 'unet'), { recursive: true });
  writeFileSync(join(dir, 'model_index.json'), '{}');
  writeFileSync(join(dir, 'unet', 'config.json'), config);
  writeFileSync(join(dir, 'unet', 'model.onnx'), Buffer.alloc(64));
}

test('the server fingerprints the first copy its bases hold, and skips names it cannot resolve', () => {
  const root = scratchDir('server-fingerprints');
  modelFolder(join(root, 'first', 'models', 'm'));
  modelFolder(join(root, 'second', 'models', 'm'), '{"a":2}');
  const bases = [join(root, 'empty'), join(root, 'first'), join(root, 'second')];
  const fps = serverFingerprints(['models/m', 'models/missing'], bases);
  assert.deepEqual(fps, { 'models/m': fingerprint(join(root, 'first', 'models', 'm')) });
  assert.notEqual(fps['models/m'], fingerprint(join(root, 'second', 'models', 'm')), 'another config is another fingerprint');
});

test('a worker holds a run\'s folders only with the same fingerprint, where the server knows one', () => {
  const held = [{ name: 'models/a', fingerprint: 'f1' }, { name: 'models/b', fingerprint: 'f2' }];
  assert.equal(holdsAll(held, ['models/a', 'models/b'], { 'models/a': 'f1', 'models/b': 'f2' }), true);
  assert.equal(holdsAll(held, ['models/a'], { 'models/a': 'other' }), false);
  assert.equal(holdsAll(held, ['models/a', 'models/c'], {}), false);
  assert.equal(holdsAll(held, ['models/b'], {}), true, 'no server fingerprint: matched by name');
  assert.equal(holdsAll([], [], {}), true, 'a run naming no model folder');
});
