/**
 * Several processes sharing one cache folder (a server and CLI runs, or farm workers on one disk) derive the same
 * file at the same time: each writes a private temp file and renames it into place, so the result is always one
 * whole, current file and no temp file is left behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataType, decodeModel, encodeModel } from '../../../diffusion/onnx/proto';
import { createSession } from '../../../diffusion/onnx/session';
import { readPatchedDescription } from '../../../diffusion/onnx/surgery';
import { REPO, SHAPES_MODEL } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';
import { halfGraph } from '../model/helpers/half-folder';

function child(script: string, cache: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO, env: { ...process.env, CONES_CACHE_DIR: cache }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}

test('three processes patching one UNet and widening one bf16 graph at once leave whole, current files', async () => {
  const cache = scratchDir('cache-race');
  const src = join(scratchDir('race-src'), 'model.onnx');
  writeFileSync(src, encodeModel(halfGraph(decodeModel(readFileSync(join(SHAPES_MODEL, 'text_encoder/model.onnx'))), DataType.BFLOAT16)));
  const script = [
    "import { patchUnetFile } from './diffusion/onnx/surgery/patch-unet.ts';",
    "import { float32Copy } from './diffusion/onnx/convert/float32-copy.ts';",
    `const p = await patchUnetFile(${JSON.stringify(join(SHAPES_MODEL, 'unet/model.onnx'))}, { force: true });`,
    `const c = await float32Copy(${JSON.stringify(src)});`,
    'console.log(JSON.stringify({ patched: p.path, copy: c.path }));',
  ].join('\n');
  const results = await Promise.all([1, 2, 3].map(() => child(script, cache)));
  for (const r of results) assert.equal(r.code, 0, r.out);
  const paths = results.map((r) => JSON.parse(r.out.trim().split('\n').at(-1)!) as { patched: string; copy: string });
  assert.equal(new Set(paths.map((p) => p.patched)).size, 1, 'one patched file');
  assert.equal(new Set(paths.map((p) => p.copy)).size, 1, 'one float32 copy');
  const leftovers = readdirSync(cache, { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
  assert.deepEqual(leftovers, []);
  assert.ok(readPatchedDescription(paths[0].patched)?.layers.length, 'the patched file is whole and carries its layers');
  const { session } = await createSession(paths[0].copy);
  assert.ok(session.inputNames.includes('input_ids'), 'the float32 copy opens');
});
