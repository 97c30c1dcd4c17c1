import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelError } from '../../../diffusion/errors';
import type { SdModel } from '../../../diffusion/model/load';
import { layoutUnet, openUnet, unetMemoryFor } from '../../../diffusion/model/unet';
import { arenaEnabled, createSession } from '../../../diffusion/onnx/session';
import { SHAPES_MODEL } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';
import { writeAddOneModel } from '../onnx/helpers/tiny-models';

test('an export the surgery cannot patch opens plain with a warning; a layout run then says why', async () => {
  const dir = scratchDir('unpatchable');
  const path = join(dir, 'model.onnx');
  writeAddOneModel(path); // no encoder_hidden_states, no attention
  const warnings: string[] = [];
  const opened = await openUnet(path, { onWarning: (m) => warnings.push(m) });
  assert.equal(opened.layout, null);
  assert.equal(opened.layoutError?.code, 'E_SURGERY_NO_INPUT');
  assert.equal(opened.loaded.modelPath, path, 'the export itself is the session');
  assert.ok(warnings.some((w) => w.startsWith('layout guidance unavailable')), warnings.join('\n'));
  const model = { unetLayout: null, unetLayoutError: opened.layoutError, folder: { root: dir } } as unknown as SdModel;
  assert.throws(() => layoutUnet(model), (err: ModelError) => err.code === 'E_UNET_LAYOUT_UNAVAILABLE' && /E_SURGERY|encoder_hidden_states/.test(err.message));
});

test('an unwritable cache folder leaves the UNet usable without layouts, with a coded reason', async () => {
  const blocker = join(scratchDir('cache-blocker'), 'file');
  writeFileSync(blocker, 'not a folder');
  const saved = process.env.CONES_CACHE_DIR;
  process.env.CONES_CACHE_DIR = join(blocker, 'cache'); // mkdir fails with ENOTDIR even as root
  try {
    const warnings: string[] = [];
    const opened = await openUnet(join(SHAPES_MODEL, 'unet/model.onnx'), { onWarning: (m) => warnings.push(m) });
    assert.equal(opened.layout, null);
    assert.equal(opened.layoutError?.code, 'E_UNET_LAYOUT_UNAVAILABLE');
    assert.match(opened.layoutError!.hint ?? '', /CONES_CACHE_DIR/);
    assert.equal(warnings.length, 1);
  } finally {
    if (saved === undefined) delete process.env.CONES_CACHE_DIR;
    else process.env.CONES_CACHE_DIR = saved;
  }
});

test('CONES_CPU_ARENA=0 turns the CPU arena off unless the caller decides', () => {
  assert.equal(arenaEnabled({}, {}), true);
  assert.equal(arenaEnabled({}, { CONES_CPU_ARENA: '0' }), false);
  assert.equal(arenaEnabled({}, { CONES_CPU_ARENA: '1' }), true);
  assert.equal(arenaEnabled({ cpuMemArena: true }, { CONES_CPU_ARENA: '0' }), true);
  assert.equal(arenaEnabled({ cpuMemArena: false }, {}), false);
});

test('the UNet session keeps onnxruntime\'s memory settings unless CONES_UNET_MEMORY=lean', () => {
  assert.equal(unetMemoryFor({}), 'default');
  assert.equal(unetMemoryFor({ CONES_UNET_MEMORY: 'default' }), 'default');
  assert.equal(unetMemoryFor({ CONES_UNET_MEMORY: 'lean' }), 'lean');
  assert.throws(() => unetMemoryFor({ CONES_UNET_MEMORY: 'small' }), { code: 'E_UNET_MEMORY' });
});

test('openUnet opens its session with CONES_UNET_MEMORY\'s setting unless the caller gives one', async () => {
  const path = join(scratchDir('unet-memory'), 'model.onnx');
  writeAddOneModel(path); // opens plain (nothing to patch): the setting must reach that session too
  const saved = process.env.CONES_UNET_MEMORY;
  process.env.CONES_UNET_MEMORY = 'lean';
  try {
    const fromEnv = await openUnet(path, { onWarning: () => {} });
    assert.equal(fromEnv.loaded, await createSession(path, { memory: 'lean' }), 'the lean session, from the cache');
    const given = await openUnet(path, { memory: 'default', onWarning: () => {} });
    assert.equal(given.loaded, await createSession(path, { memory: 'default' }));
    assert.notEqual(given.loaded, fromEnv.loaded);
  } finally {
    if (saved === undefined) delete process.env.CONES_UNET_MEMORY;
    else process.env.CONES_UNET_MEMORY = saved;
  }
});
