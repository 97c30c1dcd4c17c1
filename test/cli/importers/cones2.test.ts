import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadGraph, NodeRegistry } from '../../../engine';
import { importCones2, phraseAtToken } from '../../../cli/importers/cones2';
import { ALL_NODES } from '../../../nodes';

const SHARED = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'reference');
const STUDENT = join(SHARED, 'cones2-student', 'configs');
const CONFIGS = [...readdirSync(STUDENT).map((f) => join(STUDENT, f)), join(SHARED, 'cones2-official', 'guidance_config_example.json')];
const registry = new NodeRegistry(ALL_NODES);

for (const configPath of CONFIGS) {
  test(`imports and validates ${configPath.split('/').slice(-2).join('/')}`, () => {
    const raw = JSON.parse(readFileSync(configPath, 'utf8')) as Array<{ subject_list: unknown[]; guidance_weight: number }>;
    const graphPath = join(SHARED, 'imported.graph.json');
    const { graph } = importCones2(raw, { configPath, graphPath, modelFolder: 'models/sd21' });
    const loaded = loadGraph(graph, registry);
    assert.ok(loaded.validated.targets.includes('save'));
    const adds = Object.values(graph.nodes).filter((n) => n.type === 'AddResidual');
    assert.equal(adds.length, raw[0].subject_list.length, 'one AddResidual per subject');
    assert.equal(graph.nodes.sampler.inputs!.layout_weight, raw[0].guidance_weight);
    assert.equal(graph.nodes.layout.type, 'LayoutFromMask');
  });
}

test('punctuation-shifted indices become the author\'s words, with a warning', () => {
  const raw = JSON.parse(readFileSync(join(STUDENT, 'guidance_config_prompt2.json'), 'utf8'));
  const { graph, warnings } = importCones2(raw, { configPath: join(STUDENT, 'guidance_config_prompt2.json'), graphPath: join(SHARED, 'x.json'), modelFolder: 'm' });
  const adds = Object.values(graph.nodes).filter((n) => n.type === 'AddResidual').map((n) => [n.inputs!.phrase, n.inputs!.occurrence]);
  assert.deepEqual(adds, [['dog', '0'], ['pet cat', '0'], ['dog', '1']]);
  assert.equal(warnings.length, 2);
});

test('the official example\'s wrong layout path is found beside the config', () => {
  const configPath = join(SHARED, 'cones2-official', 'guidance_config_example.json');
  const { graph, warnings } = importCones2(JSON.parse(readFileSync(configPath, 'utf8')), { configPath, graphPath: join(SHARED, 'cones2-official', 'g.json'), modelFolder: 'm' });
  assert.equal(graph.nodes.layout.inputs!.image, 'layout_example.png');
  assert.match(warnings.join('\n'), /using .*cones2-official\/layout_example.png/);
});

test('phraseAtToken prefers a multi-word colour phrase and rejects out-of-range indices', () => {
  assert.deepEqual(phraseAtToken('A cat wearing wearable glasses', 4, ['wearable glasses']), { phrase: 'wearable glasses', occurrence: 0, note: undefined });
  assert.throws(() => phraseAtToken('a cat', 9, []), { code: 'E_IMPORT_CONES2' });
});
