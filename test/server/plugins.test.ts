import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/paths';
import { scratchDir } from '../helpers/scratch';

test('npm start -- --plugins DIR serves the node types of every module in DIR (the example plugin)', async (t) => {
  const data = scratchDir('server-plugins');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'server.ts'), '--port', '0', '--data-dir', data,
    '--plugins', join(REPO, 'examples', 'plugins')], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  const { nodes } = (await (await fetch(`${url}/api/nodes`)).json()) as { nodes: { type: string }[] };
  const types = nodes.map((n) => n.type);
  assert.ok(types.includes('SubjectsPrompt'), `plugin type served: ${types.length} types`);
  assert.ok(types.includes('GuidedSampler'), 'shipped types too');
  // The worker thread loads the plugin as well: a run using it finishes.
  const graph = {
    format: 'cones-graph', version: 1,
    nodes: {
      prompt: { type: 'SubjectsPrompt', inputs: { subjects: 'red circle, yellow star' } },
      show: { type: 'ShowText', inputs: { text: { from: 'prompt', output: 'text' } } },
    },
  };
  const posted = await fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph }) });
  assert.equal(posted.status, 201, await posted.clone().text());
  const { runId } = (await posted.json()) as { runId: string };
  let entry: { status?: string } = {};
  for (let i = 0; i < 100 && !entry.status; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${url}/api/history/${runId}`);
    if (res.ok) entry = (await res.json()) as { status?: string };
  }
  assert.equal(entry.status, 'ok', JSON.stringify(entry).slice(0, 500));
});

test('--plugins with a folder that does not exist exits 2 with E_PLUGIN_LOAD, no stack trace', async () => {
  const data = scratchDir('server-plugins-bad');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'server.ts'), '--port', '0', '--data-dir', data,
    '--plugins', join(data, 'nope')], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 2, err);
  assert.match(err, /E_PLUGIN_LOAD/);
  assert.doesNotMatch(err, /\n\s+at .+:\d+:\d+/);
});
