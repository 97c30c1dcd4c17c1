/**
 * GuidedSampler's "model" settings on the embedded model: layout_weight -1, guidance_steps -1 and self_recurrence
 * "model" run exactly the model_index.json recommendation (gw 0.2, every step guided, self-recurrence off), a
 * model folder without one runs the Cones 2 reference's values, a hostile recommendation is a load warning and never
 * used, and a version-1 graph keeps the settings it ran with.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine, NodeRegistry, type GraphFile } from '../../../engine';
import { migrateNodes } from '../../../engine/migrate';
import { ALL_NODES } from '../../../nodes';
import type { LatentValue } from '../../../nodes/image/batch';
import { REPO, SHAPES_MODEL } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';

const registry = new NodeRegistry(ALL_NODES);
const engine = new Engine(registry);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Graph = any;

const scratch = scratchDir('sampler');

/** A copy of the embedded model whose model_index.json "cones_graph" block is `block` (undefined = none). */
function modelWith(name: string, block: unknown): string {
  const folder = join(scratch, name);
  cpSync(SHAPES_MODEL, folder, { recursive: true });
  const index = JSON.parse(readFileSync(join(folder, 'model_index.json'), 'utf8'));
  if (block === undefined) delete index.cones_graph;
  else index.cones_graph = block;
  writeFileSync(join(folder, 'model_index.json'), JSON.stringify(index));
  return folder;
}

/** graphs/two-subjects-layout.json at 8 steps, with these sampler inputs. */
function graph(sampler: Record<string, unknown>, folder = 'models/shapes'): Graph {
  const g = JSON.parse(readFileSync(join(REPO, 'graphs', 'two-subjects-layout.json'), 'utf8'));
  g.nodes.model.inputs.folder = folder;
  Object.assign(g.nodes.sampler.inputs, { steps: 8, preview_every: 0 }, sampler);
  return g;
}

async function run(g: Graph): Promise<{ data: Float32Array; note: string; loaded: string; warnings: string[] }> {
  const r = await engine.run(g, { searchPaths: [REPO, scratch], outputDir: join(scratch, 'out') });
  const latent = r.outputs.sampler.latent as LatentValue;
  return {
    data: latent.data as Float32Array, note: String(r.ui.sampler?.text ?? ''), loaded: String(r.ui.model?.text ?? ''),
    warnings: (r.ui.model?.warnings ?? []) as string[],
  };
}

const MODEL = { layout_weight: -1, guidance_steps: -1, self_recurrence: 'model' };

test('-1 / "model" on the embedded model runs its recommendation: gw 0.2, all 8 steps, no self-recurrence', async () => {
  const asked = await run(graph(MODEL));
  const spelled = await run(graph({ layout_weight: 0.2, guidance_steps: 8, self_recurrence: 'off' }));
  assert.deepEqual(asked.data, spelled.data, 'the same latents, bit for bit');
  assert.match(asked.note, /gw 0\.2 \(model\), 8 of 8 steps guided \(model\), self-recurrence off \(model\)/);
  assert.match(spelled.note, /gw 0\.2, 8 of 8 steps guided, self-recurrence off/);
  assert.match(asked.loaded, /; recommended layout settings: gw 0\.2, 100% of the steps guided, self-recurrence off$/);
  const reference = await run(graph({ layout_weight: 0.08, guidance_steps: 1000, self_recurrence: 'on' }));
  assert.notDeepEqual(asked.data, reference.data, 'the recommendation is not the reference');
});

test('a model folder without a recommendation runs the reference: gw 0.08, every step, self-recurrence on', async () => {
  const folder = modelWith('plain', undefined);
  const asked = await run(graph(MODEL, folder));
  const spelled = await run(graph({ layout_weight: 0.08, guidance_steps: 8, self_recurrence: 'on' }, folder));
  assert.deepEqual(asked.data, spelled.data);
  assert.match(asked.note, /gw 0\.08 \(reference\), 8 of 8 steps guided \(reference\), self-recurrence on \(reference\)/);
  assert.deepEqual(asked.warnings, []);
  assert.match(asked.loaded, /no recommended layout settings: the Cones 2 reference's \(gw 0\.08, 100% of the steps guided, self-recurrence on\)/);
});

test('attack: a hostile recommendation in a shared model folder is a load warning per key and is never used', async () => {
  const folder = modelWith('hostile', { layout: { gw: 1e6, guided_fraction: -3, self_recurrence: 'always' } });
  const asked = await run(graph(MODEL, folder));
  const reference = await run(graph({ layout_weight: 0.08, guidance_steps: 8, self_recurrence: 'on' }, folder));
  assert.deepEqual(asked.data, reference.data, 'the reference values ran');
  assert.match(asked.note, /gw 0\.08 \(reference\), 8 of 8 steps guided \(reference\), self-recurrence on \(reference\)/);
  assert.equal(asked.warnings.length, 3, asked.warnings.join('\n'));
  assert.match(asked.warnings.join('\n'), /gw should be a number in \[0, 10\] but is 1000000/);
  assert.match(asked.warnings.join('\n'), /guided_fraction should be a number in \[0, 1\] but is -3/);
  assert.match(asked.warnings.join('\n'), /self_recurrence should be true or false but is "always"/);
});

test('a version-1 sampler keeps what it ran with: the reference defaults filled in, the boolean as on / off', () => {
  const file = (inputs: Record<string, unknown>): GraphFile => ({
    format: 'cones-graph', version: 1, nodes: { sampler: { type: 'GuidedSampler', version: 1, inputs } },
  } as GraphFile);
  const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
    [{ steps: 20 }, { steps: 20, layout_weight: 0.08, guidance_steps: 1000, self_recurrence: 'on' }],
    [{ layout_weight: 0.2, guidance_steps: 6, self_recurrence: false }, { layout_weight: 0.2, guidance_steps: 6, self_recurrence: 'off' }],
    [{ self_recurrence: true }, { layout_weight: 0.08, guidance_steps: 1000, self_recurrence: 'on' }],
  ];
  for (const [before, after] of cases) {
    const f = file(before);
    assert.deepEqual(migrateNodes(f, registry), []);
    assert.deepEqual(f.nodes.sampler.inputs, after);
    assert.equal(f.nodes.sampler.version, 2);
  }
  const linked = file({ self_recurrence: { from: 'flag', output: 'value' } });
  migrateNodes(linked, registry);
  assert.deepEqual(linked.nodes.sampler.inputs?.self_recurrence, { from: 'flag', output: 'value' }, 'a link is left for validation');
});

test('attack: a linked guidance_steps below -1 is refused like a literal one (E_VALUE_OUT_OF_RANGE), a linked gw in (-1, 0) by the node', async () => {
  for (const value of [-3, -1000]) {
    const g = graph({});
    g.nodes.guided = { type: 'Integer', version: 1, inputs: { value } };
    g.nodes.sampler.inputs.guidance_steps = { from: 'guided', output: 'value' };
    await assert.rejects(run(g), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_VALUE_OUT_OF_RANGE', e.message);
      assert.match(e.message, new RegExp(`>= -1 for "guidance_steps" but received ${value}`));
      return true;
    });
  }
  const g = graph({});
  g.nodes.gw = { type: 'Number', version: 1, inputs: { value: -0.25 } };
  g.nodes.sampler.inputs.layout_weight = { from: 'gw', output: 'value' };
  await assert.rejects(run(g), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_SAMPLER_SETTING', e.message);
    assert.match(e.message, /layout_weight >= 0, or -1 .* received -0\.25/);
    return true;
  });
});
