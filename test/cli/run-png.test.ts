import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { scratchDir } from '../helpers/scratch';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'cones.mjs');

function cones(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
}

async function pixels(path: string): Promise<Buffer> {
  return (await sharp(path).raw().toBuffer());
}

test('cones run out.png runs the graph embedded in a PNG the project made and reproduces the image', async () => {
  const dir = scratchDir('run-png');
  const first = cones(['run', join(ROOT, 'graphs', 'shapes-single.json'), '--out', join(dir, 'a'), '--set', 'sampler.steps=6', '--set', 'seed.value=3'], ROOT);
  assert.equal(first.status, 0, first.stderr);
  const [made] = readdirSync(join(dir, 'a'));
  const again = cones(['run', join(dir, 'a', made), '--out', join(dir, 'b')], ROOT);
  assert.equal(again.status, 0, again.stderr);
  const [remade] = readdirSync(join(dir, 'b'));
  assert.ok((await pixels(join(dir, 'a', made))).equals(await pixels(join(dir, 'b', remade))), 'same pixels from the embedded graph (6 steps, seed 3)');
  assert.equal(cones(['validate', join(dir, 'a', made)], ROOT).status, 0, 'validate reads it too');
});

test('a PNG without an embedded graph, or a corrupt one, exits 2 with E_GRAPH_FILE', async () => {
  const dir = scratchDir('run-png-bad');
  const plain = join(dir, 'plain.png');
  writeFileSync(plain, await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).png().toBuffer());
  const cut = join(dir, 'cut.png');
  writeFileSync(cut, readFileSync(join(ROOT, 'graphs', 'inputs', 'two-subjects.png')).subarray(0, 200));
  for (const file of [plain, cut]) {
    const r = cones(['run', file, '--out', dir], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /E_GRAPH_FILE/);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  }
});
