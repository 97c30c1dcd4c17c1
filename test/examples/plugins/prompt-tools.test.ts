import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { subjectsPrompt } from '../../../examples/plugins/prompt-tools';
import { REPO } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';

const BIN = join(REPO, 'bin', 'cones.mjs');
const PLUGIN = join(REPO, 'examples', 'plugins', 'prompt-tools.ts');

test('subjectsPrompt joins subjects the way Cones 2 captions read', () => {
  assert.equal(subjectsPrompt('red circle, blue square', 'a'), 'a red circle and a blue square');
  assert.equal(subjectsPrompt(' red circle ,blue square, green star ', 'a'), 'a red circle, a blue square and a green star');
  assert.equal(subjectsPrompt('dog', 'the'), 'the dog');
  assert.equal(subjectsPrompt('', 'a'), '');
});

test('the example plugin loads in the CLI from another folder and runs in a graph', () => {
  const dir = scratchDir('example-plugin');
  const nodes = spawnSync(process.execPath, [BIN, 'nodes', 'SubjectsPrompt', '--plugin', PLUGIN], { cwd: dir, encoding: 'utf8' });
  assert.equal(nodes.status, 0, nodes.stderr);
  assert.match(nodes.stdout, /SubjectsPrompt \(version 1, text\)/);
  const graph = {
    format: 'cones-graph', version: 1,
    nodes: {
      prompt: { type: 'SubjectsPrompt', inputs: { subjects: 'red circle, yellow star' } },
      save: { type: 'SaveText', inputs: { text: { from: 'prompt', output: 'text' }, filename: 'prompt.txt' } },
    },
  };
  writeFileSync(join(dir, 'g.json'), JSON.stringify(graph));
  const run = spawnSync(process.execPath, [BIN, 'run', 'g.json', '--plugin', PLUGIN, '--out', 'o', '--json'], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const done = run.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'node_done' && e.nodeId === 'save');
  const file = (done.ui.files as string[])[0];
  assert.equal(readFileSync(file, 'utf8').trim(), 'a red circle and a yellow star');
});
