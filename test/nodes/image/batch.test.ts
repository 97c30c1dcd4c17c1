/**
 * A sampler batch through the graph (graphs/two-subjects-layout.json with batch 4, embedded model): VAEDecode makes
 * 4 images, SaveImage writes 4 files with their own seeds, PreviewImage shows one contact sheet, and image 2's PNG
 * runs again (its embedded graph: seed + 2, batch 1) to the same pixels, bit for bit. Nodes that need one image
 * refuse a batch with E_IMAGE_BATCH; ResizeImage and VAEEncode map over it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { readPngText } from '../../../diffusion/image/png-text';
import { Engine, NodeRegistry, type RunEvent } from '../../../engine';
import { ALL_NODES } from '../../../nodes';
import { imageBatch, imagesOf, type ImageValue, type LatentValue } from '../../../nodes/image/batch';
import { ImageToMaskNode } from '../../../nodes/image/image-to-mask';
import { scratchDir } from '../../helpers/scratch';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const engine = new Engine(new NodeRegistry(ALL_NODES));
type Graph = { nodes: Record<string, { type: string; version: number; inputs: Record<string, unknown> }> } & Record<string, unknown>;

function batchGraph(batch: number): Graph {
  const graph = JSON.parse(readFileSync(join(ROOT, 'graphs', 'two-subjects-layout.json'), 'utf8')) as Graph;
  graph.nodes.seed.inputs.value = 5;
  Object.assign(graph.nodes.sampler.inputs, { steps: 6, batch });
  graph.nodes.preview = { type: 'PreviewImage', version: 1, inputs: { image: { from: 'decode', output: 'image' }, scale: 1 } };
  return graph;
}

async function pixels(file: string): Promise<Buffer> {
  return sharp(file).raw().toBuffer();
}

let files: string[] = [];
let events: RunEvent[] = [];
let out: string;
let graph: Graph;
let decoded: ImageValue;

before(async () => {
  out = scratchDir('batch');
  graph = batchGraph(4);
  const r = await engine.run(graph, { outputDir: out, searchPaths: [ROOT], runInfo: { graph }, onEvent: (e) => events.push(e) });
  files = r.ui.save.files as string[];
  decoded = r.outputs.decode.image as ImageValue;
});

test('batch 4: four distinct images, four files prefix_00001..4, one contact-sheet preview', async () => {
  assert.deepEqual(files.map((f) => f.slice(out.length + 1)), ['shapes_00001.png', 'shapes_00002.png', 'shapes_00003.png', 'shapes_00004.png']);
  const all = await Promise.all(files.map(pixels));
  for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) assert.ok(!all[a].equals(all[b]), `images ${a} and ${b} differ`);
  assert.equal(imagesOf(decoded).length, 4);
  const previews = events.filter((e) => e.type === 'preview' && e.nodeId === 'preview');
  assert.equal(previews.length, 1);
  assert.deepEqual([(previews[0] as { width?: number }).width, (previews[0] as { height?: number }).height], [2 + 2 * 66, 2 + 2 * 66]);
  const sampler = events.find((e) => e.type === 'node_done' && e.nodeId === 'sampler') as unknown as { ui: { text: string } };
  assert.match(sampler.ui.text, /batch 4 \(seeds 5\.\.8\), one UNet call per step/);
});

test('each file records its own seed; image 2 run alone from its PNG (seed + 2, batch 1) has the same pixels', async () => {
  const texts = files.map((f) => readPngText(readFileSync(f)));
  assert.deepEqual(texts.map((t) => JSON.parse(t['cones-run']).seed), ['5', '6', '7', '8']);
  assert.deepEqual(JSON.parse(texts[2]['cones-run']).batch, { index: 2, size: 4, sampler: 'sampler' });
  const embedded = JSON.parse(texts[2]['cones-graph']) as Graph;
  assert.equal(embedded.nodes.sampler.inputs.seed, 7);
  assert.equal(embedded.nodes.sampler.inputs.batch, 1);
  const again = scratchDir('batch-one');
  const r = await engine.run(embedded, { outputDir: again, searchPaths: [ROOT], runInfo: { graph: embedded }, cache: false });
  const single = r.ui.save.files as string[];
  assert.equal(single.length, 1);
  assert.ok((await pixels(single[0])).equals(await pixels(files[2])), 'bit for bit (tolerance 0)');
  const text = readPngText(readFileSync(single[0]));
  assert.equal(JSON.parse(text['cones-run']).seed, undefined, 'a batch-1 file keeps today\'s provenance');
  assert.deepEqual(JSON.parse(text['cones-graph']), embedded);
});

test('ResizeImage and VAEEncode map over a batch; ImageToMask refuses it with E_IMAGE_BATCH', async () => {
  const g = batchGraph(2);
  delete g.nodes.preview;
  g.nodes.sampler.inputs.steps = 2;
  g.nodes.resize = { type: 'ResizeImage', version: 1, inputs: { image: { from: 'decode', output: 'image' }, width: 32 } };
  g.nodes.encode2 = { type: 'VAEEncode', version: 1, inputs: { model: { from: 'model', output: 'model' }, image: { from: 'decode', output: 'image' } } };
  g.nodes.show = { type: 'PreviewImage', version: 1, inputs: { image: { from: 'resize', output: 'image' } } };
  g.nodes.sampler2 = {
    type: 'GuidedSampler', version: 1, inputs: {
      ...g.nodes.sampler.inputs, latent: { from: 'encode2', output: 'latent' }, denoise: 0.5,
    },
  };
  g.nodes.decode.inputs.latent = { from: 'sampler', output: 'latent' };
  g.nodes.decode2 = { type: 'VAEDecode', version: 1, inputs: { model: { from: 'model', output: 'model' }, latent: { from: 'sampler2', output: 'latent' } } };
  g.nodes.save.inputs.image = { from: 'decode2', output: 'image' };
  g.outputs = ['save', 'show'];
  const r = await engine.run(g, { outputDir: scratchDir('batch-map'), searchPaths: [ROOT], runInfo: { graph: g } });
  assert.deepEqual(imagesOf(r.outputs.resize.image as ImageValue).map((i) => [i.width, i.height]), [[32, 32], [32, 32]]);
  assert.deepEqual((r.outputs.encode2.latent as LatentValue).dims, [2, 4, 16, 16]);
  assert.equal((r.ui.save.files as string[]).length, 2);

  const one = { width: 2, height: 2, data: new Uint8Array(12) };
  const batch = imageBatch([one, { ...one }]);
  assert.throws(() => ImageToMaskNode.run({ image: batch, channel: 'luminance', invert: false }, {} as never),
    (err: Error & { code?: string; hint?: string }) => err.code === 'E_IMAGE_BATCH' && /batch to 1/.test(err.hint ?? ''));
});
