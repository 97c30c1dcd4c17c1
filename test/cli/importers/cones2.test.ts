import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadGraph, NodeRegistry } from '../../../engine';
import { importCones2, phraseAtToken } from '../../../cli/importers/cones2';
import { ALL_NODES } from '../../../nodes';
import { fixturePath, referencePath, referenceSkip } from '../../helpers/paths';

const registry = new NodeRegistry(ALL_NODES);

/**
 * Two sets of reference-style configs: the project's own (training/make_test_fixtures.py, always present) and the
 * third-party reference files (skipped when absent). `punctuation` is the config whose token indices are shifted by
 * a comma; `official` the one whose layout path is wrong, with the PNG beside it.
 */
const SETS = [
  {
    name: 'project fixtures', root: fixturePath(), skip: false as const,
    configs: 'configs', punctuation: 'guidance_config_punctuation.json', official: 'official',
  },
  {
    name: 'reference', root: referencePath(), skip: referenceSkip,
    configs: join('cones2-student', 'configs'), punctuation: 'guidance_config_prompt2.json', official: 'cones2-official',
  },
];

for (const set of SETS) {
  const configFolder = join(set.root, set.configs);
  const officialConfig = join(set.root, set.official, 'guidance_config_example.json');

  test(`${set.name}: every config imports and validates`, { skip: set.skip }, () => {
    const configs = [...readdirSync(configFolder).filter((f) => f.endsWith('.json')).map((f) => join(configFolder, f)), officialConfig];
    assert.ok(configs.length >= 4, `${configs.length} configs`);
    for (const configPath of configs) {
      const raw = JSON.parse(readFileSync(configPath, 'utf8')) as Array<{ subject_list: unknown[]; guidance_weight: number }>;
      const { graph } = importCones2(raw, { configPath, graphPath: join(set.root, 'imported.graph.json'), modelFolder: 'models/sd21' });
      const loaded = loadGraph(graph, registry);
      assert.ok(loaded.validated.targets.includes('save'), configPath);
      const adds = Object.values(graph.nodes).filter((n) => n.type === 'AddResidual');
      assert.equal(adds.length, raw[0].subject_list.length, `${configPath}: one AddResidual per subject`);
      assert.equal(graph.nodes.sampler.inputs!.layout_weight, raw[0].guidance_weight);
      assert.equal(graph.nodes.layout.type, 'LayoutFromMask');
    }
  });

  test(`${set.name}: punctuation-shifted indices become the author's words, with a warning`, { skip: set.skip }, () => {
    const configPath = join(configFolder, set.punctuation);
    const raw = JSON.parse(readFileSync(configPath, 'utf8'));
    const { graph, warnings } = importCones2(raw, { configPath, graphPath: join(set.root, 'x.json'), modelFolder: 'm' });
    const adds = Object.values(graph.nodes).filter((n) => n.type === 'AddResidual').map((n) => [n.inputs!.phrase, n.inputs!.occurrence]);
    assert.deepEqual(adds, [['dog', '0'], ['pet cat', '0'], ['dog', '1']]);
    assert.equal(warnings.length, 2);
  });

  test(`${set.name}: the official example's wrong layout path is found beside the config`, { skip: set.skip }, () => {
    const raw = JSON.parse(readFileSync(officialConfig, 'utf8'));
    const graphPath = join(set.root, set.official, 'g.json');
    const { graph, warnings } = importCones2(raw, { configPath: officialConfig, graphPath, modelFolder: 'm' });
    assert.equal(graph.nodes.layout.inputs!.image, 'layout_example.png');
    assert.match(warnings.join('\n'), new RegExp(`using .*${set.official}/layout_example.png`));
  });
}

test('phraseAtToken prefers a multi-word colour phrase and rejects out-of-range indices', () => {
  assert.deepEqual(phraseAtToken('A cat wearing wearable glasses', 4, ['wearable glasses']), {
    phrase: 'wearable glasses', occurrence: 0, note: undefined,
  });
  assert.throws(() => phraseAtToken('a cat', 9, []), { code: 'E_IMPORT_CONES2' });
});
