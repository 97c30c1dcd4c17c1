// editor/mask-pair.js without a browser: where a painted mask goes in the graph file. The rewired inpaint example
// stays valid for the engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, test } from 'node:test';
import { describeNode, loadGraph, type NodeRegistry } from '../../engine';
import { buildNodeRegistry } from '../../nodes/registry';
import { REPO_ROOT } from '../server/helpers';

let pair: any;
let registry: NodeRegistry;
let inputType: (type: string, input: string) => string | undefined;
before(async () => {
  pair = await import(pathToFileURL(join(REPO_ROOT, 'editor/mask-pair.js')).href);
  registry = await buildNodeRegistry();
  const known = new Map(registry.list().map((def) => [def.type, describeNode(def)]));
  inputType = (type, input) => known.get(type)?.inputs.find((i) => i.name === input)?.type;
});

const inpaint = () => JSON.parse(readFileSync(join(REPO_ROOT, 'graphs/inpaint-layout.json'), 'utf8'));

test('mask names follow the picture; a renamed upload still belongs to it', () => {
  assert.equal(pair.maskFileName('sub/My photo.png'), 'My photo-mask.png');
  assert.equal(pair.maskFileName('_x?y.jpg'), 'x-y-mask.png');
  const file = inpaint();
  file.nodes.image.inputs.path = 'pic.png';
  file.nodes.m = { type: 'LoadImage', version: 1, inputs: { path: 'pic-mask-3.png' } };
  file.nodes.t = { type: 'ImageToMask', version: 1, inputs: { image: { from: 'm', output: 'image' } } };
  assert.deepEqual(pair.findMaskPair(file, 'image'), { maskId: 't', loaderId: 'm' });
  assert.equal(pair.pictureOfMask(file, 'm'), 'image');
  file.nodes.m.inputs.path = 'pic-mask-x.png';
  assert.equal(pair.findMaskPair(file, 'image'), undefined, 'another file is not its mask');
});

test('a new pair feeds the MASK inputs downstream of the picture; an existing pair only gets the new file', () => {
  const file = inpaint();
  const first = pair.applyMask(file, 'image', 'two-subjects-mask.png', inputType);
  assert.deepEqual(first.rewired.sort(), ['composite.mask', 'sampler.mask']);
  assert.deepEqual(first.file.nodes.image_mask_image, { type: 'LoadImage', version: 1, inputs: { path: 'two-subjects-mask.png' } });
  assert.deepEqual(first.file.editor.nodes.image_mask_image, { pos: [40, 960] });
  assert.deepEqual(file.nodes.sampler.inputs.mask, { from: 'mask', output: 'mask' }, 'the input file is not changed');
  const flat = loadGraph(first.file, registry).flat;
  assert.deepEqual(flat.nodes.sampler.inputs?.mask, { from: 'image_mask', output: 'mask' }, 'valid for the engine');

  const second = pair.applyMask(first.file, 'image', 'two-subjects-mask-1.png', inputType);
  assert.deepEqual(second.rewired, []);
  assert.equal(second.file.nodes.image_mask_image.inputs.path, 'two-subjects-mask-1.png');
  assert.equal(Object.keys(second.file.nodes).length, Object.keys(first.file.nodes).length, 'no second pair');
});
