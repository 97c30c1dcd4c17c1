import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attributeRuns, profileFile, readProfile } from '../../../bench/onnx/profile';
import { encodeModel } from '../../../diffusion/onnx/proto';
import { createSession } from '../../../diffusion/onnx/session';
import { clearSessionCache } from '../../../diffusion/onnx/session-cache';
import { patchUnetFile } from '../../../diffusion/onnx/surgery/patch-unet';
import { baseFeeds, layoutFeeds, layoutMaps } from '../../diffusion/onnx/helpers/layout-feeds';
import { buildAttentionModel, makeWeights } from '../../diffusion/onnx/helpers/synthetic-attention';
import { tempDir } from '../../diffusion/onnx/helpers/tiny-models';

const root = tempDir('bench-profile');
process.env.CONES_CACHE_DIR = join(root, 'cache');
after(async () => { await clearSessionCache(); rmSync(root, { recursive: true, force: true }); });

const kernel = (name: string, ts: number, dur: number) => ({ cat: 'Node', name: `${name}_kernel_time`, ts, dur, args: { op_name: 'Add' } });

test('attributeRuns splits each run\'s kernel time into the selected nodes and the rest, run by run', () => {
  const events = [
    { cat: 'Session', name: 'model_run', ts: 100, dur: 100 },
    kernel('/attn2/layout_bias/biased', 110, 7),
    kernel('/conv_in/Conv', 120, 50),
    { cat: 'Node', name: '/attn2/layout_bias/biased_fence_before', ts: 109, dur: 1 }, // not a kernel event
    { cat: 'Session', name: 'model_run', ts: 300, dur: 100 },
    kernel('/attn2/layout_bias/biased', 310, 3),
    kernel('/attn2/layout_bias/pos_scaled', 320, 2),
    kernel('/conv_in/Conv', 330, 60),
    kernel('/attn2/layout_bias/biased', 450, 99), // outside every run
  ];
  const runs = attributeRuns(events, (name) => name.includes('layout_bias/'));
  assert.deepEqual(runs, [
    { runMicros: 100, kernelMicros: 57, matchedMicros: 7, matchedKernels: 1 },
    { runMicros: 100, kernelMicros: 65, matchedMicros: 5, matchedKernels: 2 },
  ]);
});

test('a patched model profiled through createSession: the surgery\'s nodes are found by their layout_bias scope in every call', async () => {
  const unet = join(root, 'model', 'unet');
  mkdirSync(unet, { recursive: true });
  writeFileSync(join(unet, 'model.onnx'), encodeModel(buildAttentionModel('pt2', makeWeights())));
  const patched = await patchUnetFile(join(unet, 'model.onnx'));
  const profiles = join(root, 'profiles');
  mkdirSync(profiles);
  const { session } = await createSession(patched.path, { externalDataFolder: patched.externalDataFolder, profileFilePrefix: join(profiles, 'p') });
  const maps = layoutMaps(3);
  const guided = { ...baseFeeds(), ...layoutFeeds(0, maps), ...layoutFeeds(1, maps) };
  const unguided = { ...baseFeeds(), ...layoutFeeds(0, null), ...layoutFeeds(1, null) };
  for (const feeds of [guided, unguided, guided]) await session.run(feeds);
  session.endProfiling();

  const file = profileFile(profiles, 'p');
  const runs = attributeRuns(readProfile(file), (name) => name.includes('layout_bias/'));
  assert.equal(existsSync(file), false, 'readProfile deletes the trace');
  assert.equal(runs.length, 3);
  for (const run of runs) {
    assert.ok(run.matchedKernels > 0, 'the layout-bias nodes ran under their scope name');
    assert.ok(run.matchedMicros <= run.kernelMicros && run.kernelMicros <= run.runMicros);
  }
  assert.equal(new Set(runs.map((r) => r.matchedKernels)).size, 1, 'guided and unguided calls run the same bias nodes');
});
