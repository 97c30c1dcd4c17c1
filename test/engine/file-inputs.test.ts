/**
 * Confinement of file inputs (issue 23, items 2-3): every file-taking node x (literal, link, override) x (absolute,
 * "..", symlink out, device, FIFO, missing outside) is refused with E_FILE_NOT_ALLOWED, with the same message whether
 * the outside path exists or not, and without the outside path or any of its bytes in the answer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineNode, Engine, input, InputOverride, NodeRegistry, NodeRunError, output, resolveFileInput } from '../../engine';
import { ALL_NODES } from '../../nodes';
import { fixturePath, SHAPES_MODEL } from '../helpers/paths';
import { scratchDir } from '../helpers/scratch';

/** An output node taking one port type, so a loader alone can be run. */
const sink = (type: string) => defineNode({
  type: `Sink${type}`, version: 1, category: 'test', description: 'test sink', isOutput: true,
  inputs: { value: input<unknown>(type) }, outputs: { done: output<boolean>('BOOLEAN') }, run: () => ({ done: true }),
});
const engine = new Engine(new NodeRegistry([...ALL_NODES, sink('RESIDUAL'), sink('LAYOUT'), sink('MODEL')]));

const root = scratchDir('confine');
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');
mkdirSync(allowed);
mkdirSync(outside);
writeFileSync(join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT');
cpSync(fixturePath('residuals', 'reference_layout.pt'), join(allowed, 'ok.pt'));
symlinkSync(join(outside, 'secret.txt'), join(allowed, 'link-out.pt'));
symlinkSync('/dev/zero', join(allowed, 'zero.pt'));
execFileSync('mkfifo', [join(allowed, 'fifo.pt')]);
// A model folder inside the allowed folder whose UNet is a symbolic link to a file outside it.
const model = join(allowed, 'model');
cpSync(SHAPES_MODEL, model, { recursive: true });
symlinkSync(join(outside, 'secret.txt'), join(model, 'unet', 'weights.bin'));
symlinkSync(outside, join(allowed, 'model-link'));

const LOADERS = [
  { type: 'LoadResidual', input: 'path', port: 'residual', sinkType: 'RESIDUAL', extra: {} },
  { type: 'LayoutFromMask', input: 'image', port: 'layout', sinkType: 'LAYOUT', extra: { colours: { '255,0,0': ['dog', 2.5] } } },
  { type: 'LoadModel', input: 'folder', port: 'model', sinkType: 'MODEL', extra: {} },
];
const REFUSED: Array<[string, string]> = [
  ['an absolute path that exists', join(outside, 'secret.txt')],
  ['an absolute path that does not exist', join(outside, 'missing.txt')],
  ['/etc/passwd', '/etc/passwd'],
  ['/dev/zero', '/dev/zero'],
  ['a ".." climb', '../outside/secret.txt'],
  ['a ".." climb to a missing file', '../outside/missing.txt'],
  ['a symlink out of the folder', 'link-out.pt'],
  ['a symlink to a device', 'zero.pt'],
  ['a FIFO', 'fifo.pt'],
];

type Route = 'literal' | 'link' | 'override';
function graphFor(loader: (typeof LOADERS)[number], value: string, route: Route): { graph: unknown; overrides: InputOverride[] } {
  const given = route === 'link' ? { from: 'text', output: 'text' } : route === 'literal' ? value : 'placeholder';
  const load = { type: loader.type, version: 1, inputs: { ...loader.extra, [loader.input]: given } };
  const nodes: Record<string, unknown> = {
    load, out: { type: `Sink${loader.sinkType}`, version: 1, inputs: { value: { from: 'load', output: loader.port } } },
  };
  if (route === 'link') nodes.text = { type: 'Text', version: 1, inputs: { value } };
  const overrides = route === 'override' ? [{ nodeId: 'load', input: loader.input, text: value }] : [];
  return { graph: { format: 'cones-graph', version: 1, nodes }, overrides };
}

async function failure(graph: unknown, overrides: InputOverride[]): Promise<NodeRunError> {
  try {
    await engine.run(graph, { searchPaths: [allowed], confine: [allowed], overrides, outputDir: join(root, 'out') });
  } catch (err) {
    if (err instanceof NodeRunError) return err;
    throw err;
  }
  assert.fail('the run should have been refused');
}

for (const loader of LOADERS) {
  test(`${loader.type}.${loader.input}: outside paths are refused the same way by literal, link and override`, async () => {
    const messages = new Set<string>();
    for (const route of ['literal', 'link', 'override'] as const) {
      for (const [name, value] of REFUSED) {
        const { graph, overrides } = graphFor(loader, value, route);
        const err = await failure(graph, overrides);
        const where = `${route} ${name}`;
        assert.equal(err.code, 'E_FILE_NOT_ALLOWED', `${where}: ${err.message}`);
        assert.equal(err.nodeId, 'load', where);
        const leaksPath = err.message.includes(outside) || err.message.includes('/etc') || err.message.includes('/dev');
        assert.ok(!leaksPath, `${where}: ${err.message}`);
        assert.ok(!err.message.includes('TOP-SECRET') && !err.message.includes('root:'), `${where}: no content`);
        if (!name.includes('FIFO') && !name.includes('device')) messages.add(err.message.replace(/symbolic link/, 'X'));
      }
    }
    // Existing and missing outside paths answer alike: no existence oracle.
    assert.ok(messages.size <= 2, [...messages].join('\n'));
  });
}

test('a model folder with an entry linking outside, or a folder symlinked outside, is refused; the copy itself loads', async () => {
  const loader = LOADERS[2];
  for (const value of ['model', 'model-link']) {
    const err = await failure(graphFor(loader, value, 'literal').graph, []);
    assert.equal(err.code, 'E_FILE_NOT_ALLOWED', value);
  }
  // The same folder without the planted link is fine.
  const clean = join(allowed, 'clean-model');
  cpSync(SHAPES_MODEL, clean, { recursive: true });
  const ok = await engine.run(graphFor(loader, 'clean-model', 'literal').graph, {
    searchPaths: [allowed], confine: [allowed], outputDir: join(root, 'out'),
  });
  assert.deepEqual(ok.executed, ['load', 'out']);
});

test('inside the folder: a real file loads, a missing one gets the node\'s own not-found code', async () => {
  const ok = await engine.run(graphFor(LOADERS[0], 'ok.pt', 'literal').graph, {
    searchPaths: [allowed], confine: [allowed], outputDir: join(root, 'out'),
  });
  assert.deepEqual(ok.executed, ['load', 'out']);
  const missing = await failure(graphFor(LOADERS[0], 'nope.pt', 'literal').graph, []);
  assert.equal(missing.code, 'E_RESIDUAL_NOT_FOUND');
});

test('without confinement (the CLI default) device files and FIFOs are still refused before anything reads them', () => {
  for (const value of ['/dev/zero', join(allowed, 'fifo.pt'), join(allowed, 'zero.pt')]) {
    assert.throws(() => resolveFileInput('path', value, 'file', { searchPaths: [allowed] }), { code: 'E_FILE_NOT_ALLOWED' }, value);
  }
  assert.equal(resolveFileInput('path', join(outside, 'secret.txt'), 'file', { searchPaths: [allowed] }), join(outside, 'secret.txt'));
  assert.throws(() => resolveFileInput('path', 'a\0b', 'file', { searchPaths: [allowed] }), { code: 'E_FILE_NOT_ALLOWED' });
});

test('a model folder with a dangling symbolic link gets a coded error, not a raw ENOENT (issue 23, item 9)', async () => {
  const broken = join(allowed, 'broken-model');
  cpSync(SHAPES_MODEL, broken, { recursive: true });
  rmSync(join(broken, 'unet', 'model.onnx'));
  symlinkSync(join(allowed, 'no-such-file.onnx'), join(broken, 'unet', 'model.onnx'));
  const err = await failure(graphFor(LOADERS[2], 'broken-model', 'literal').graph, []);
  assert.equal(err.code, 'E_MODEL_FOLDER_INCOMPLETE', err.message);
});
