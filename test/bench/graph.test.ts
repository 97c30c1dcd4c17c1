import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadGraph } from '../../engine';
import { benchGraph, benchRegistry, SEED_NODE, withSeed } from '../../bench/graph';
import { CFG_SCALE, LAYOUT_WEIGHT } from '../../bench/pipeline';
import { readRecommendation } from '../../diffusion/model/recommended';

const settings = { modelFolder: 'models/shapes', mode: 'adaptive' as const, steps: 25, seed: 0, layout: false, selfRecurrence: false };

test('the benchmark graphs validate against the shipped nodes plus BenchSink', () => {
  for (const layout of [false, true]) {
    const { validated } = loadGraph(benchGraph({ ...settings, layout, selfRecurrence: layout }), benchRegistry());
    assert.deepEqual(validated.targets, ['sink']);
    assert.equal(validated.nodes.has('layout'), layout);
  }
});

test('withSeed changes only the seed node and leaves the original alone', () => {
  const g = benchGraph(settings);
  const h = withSeed(g, 7);
  assert.deepEqual(h.nodes[SEED_NODE].inputs, { value: 7 });
  assert.deepEqual(g.nodes[SEED_NODE].inputs, { value: 0 });
  assert.deepEqual({ ...h.nodes, [SEED_NODE]: null }, { ...g.nodes, [SEED_NODE]: null });
});

test('the benchmark\'s CFG scale and gw are the embedded model\'s recommended values', () => {
  const index = JSON.parse(readFileSync('models/shapes/model_index.json', 'utf8')) as { shapes_world: { recommended: { cfg: number } } };
  assert.equal(CFG_SCALE, index.shapes_world.recommended.cfg);
  assert.equal(LAYOUT_WEIGHT, readRecommendation(index as unknown as Record<string, unknown>).gw);
});
