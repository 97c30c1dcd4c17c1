import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALL_NODES } from '../../nodes';
import { startTestServer, tempDir } from './helpers';

test('GET /api/choices lists model folders and the residual, layout and input files a graph can name', async (t) => {
  const dir = tempDir();
  const outside = tempDir();
  writeFileSync(join(outside, 'secret.safetensors'), 'x');
  mkdirSync(join(dir, 'residuals', 'team'), { recursive: true });
  mkdirSync(join(dir, 'inputs', 'a', 'b'), { recursive: true });
  mkdirSync(join(dir, 'layouts'), { recursive: true });
  writeFileSync(join(dir, 'residuals', 'dog.safetensors'), 'x');
  writeFileSync(join(dir, 'residuals', 'team', 'cat.pt'), 'x');
  writeFileSync(join(dir, 'residuals', 'notes.txt'), 'x');
  writeFileSync(join(dir, 'layouts', 'two.png'), 'x');
  writeFileSync(join(dir, 'inputs', 'photo.jpg'), 'x');
  writeFileSync(join(dir, 'inputs', 'a', 'b', 'too-deep.png'), 'x');
  symlinkSync(outside, join(dir, 'residuals', 'link-out'));
  const server = await startTestServer(dir, {
    folders: { outputs: join(dir, 'outputs'), inputs: join(dir, 'inputs'), residuals: join(dir, 'residuals'), layouts: join(dir, 'layouts'), graphs: join(dir, 'graphs') },
  });
  t.after(() => server.server.close());
  const res = await fetch(`${server.base}/api/choices`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, unknown>;
  assert.deepEqual(body.models, ['models/shapes']);
  assert.deepEqual(body.residuals, [
    'dog.safetensors', 'team/cat.pt',
    'models/shapes/residuals/checkered_circle.safetensors', 'models/shapes/residuals/holed_star.safetensors',
    'models/shapes/residuals/striped_square.safetensors',
  ]);
  assert.deepEqual(body.layouts, ['two.png']);
  assert.deepEqual(body.inputs, ['photo.jpg'], 'two levels at most');
  assert.equal(body.truncated, false);
  assert.doesNotMatch(JSON.stringify(body), /secret/, 'a symbolic link out of a folder is not followed');
});

test('each file input of the shipped nodes names its picker list', () => {
  const lists = new Set(['models', 'residuals', 'layouts', 'inputs']);
  for (const def of ALL_NODES) {
    for (const [name, spec] of Object.entries(def.inputs)) {
      if (!spec.file) continue;
      assert.ok(lists.has(String(spec.schema?.['x-choices'])), `${def.type}.${name}: x-choices`);
    }
  }
});
