/**
 * Bad inputs to the stage nodes end a run with a coded error naming the node (issue 4), never a crash: each case
 * breaks one input of graphs/custom-subject-layout.json and runs it through the engine on the embedded model.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine, GraphValidationError, NodeRegistry, NodeRunError } from '../../engine';
import { ALL_NODES } from '../../nodes';
import { fixturePath, REPO as ROOT, SHAPES_MODEL as MODEL } from '../helpers/paths';
import { scratchDir } from '../helpers/scratch';

const engine = new Engine(new NodeRegistry(ALL_NODES));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Graph = any;

function baseGraph(): Graph {
  return JSON.parse(readFileSync(join(ROOT, 'graphs', 'custom-subject-layout.json'), 'utf8'));
}

/** Runs `graph` (steps cut to 2) and returns the error it must fail with. */
async function failure(graph: Graph): Promise<{ code: string; nodeId?: string; message: string }> {
  graph.nodes.sampler.inputs.steps = 2;
  const out = scratchDir('bad');
  try {
    await engine.run(graph, { outputDir: out, searchPaths: [ROOT] });
  } catch (err) {
    if (err instanceof NodeRunError) return { code: err.code, nodeId: err.nodeId, message: err.message };
    if (err instanceof GraphValidationError) return { code: err.issues[0].code, nodeId: err.issues[0].nodeId, message: err.message };
    throw err;
  }
  assert.fail('the run should have failed');
}

const cases: Array<{ name: string; code: string; node: string; edit: (g: Graph) => void; mentions: RegExp }> = [
  {
    name: 'missing model folder', code: 'E_MODEL_FOLDER_MISSING', node: 'model', mentions: /no-such-model/,
    edit: (g) => { g.nodes.model.inputs.folder = join(tmpdir(), 'no-such-model'); },
  },
  {
    name: 'residual of another model (SD width 1024 on a 128-wide text encoder)',
    code: 'E_RESIDUAL_WIDTH', node: 'add_residual', mentions: /128/,
    edit: (g) => { g.nodes.residual.inputs.path = fixturePath('residuals', 'reference_layout.pt'); },
  },
  {
    name: 'residual phrase not in the prompt', code: 'E_PHRASE_NOT_IN_PROMPT', node: 'add_residual', mentions: /triangle/,
    edit: (g) => { g.nodes.add_residual.inputs.phrase = 'triangle'; },
  },
  {
    name: 'layout phrase not in the prompt', code: 'E_PHRASE_NOT_IN_PROMPT', node: 'sampler', mentions: /star/,
    edit: (g) => { g.nodes.layout.inputs.boxes[1].phrase = 'star'; },
  },
  {
    name: 'layout weight between -1 (the model\'s value) and 0', code: 'E_SAMPLER_SETTING', node: 'sampler', mentions: /-0\.5/,
    edit: (g) => { g.nodes.sampler.inputs.layout_weight = -0.5; },
  },
  {
    name: 'box outside [0, 1]', code: 'E_VALUE_OUT_OF_RANGE', node: 'layout', mentions: /boxes/,
    edit: (g) => { g.nodes.layout.inputs.boxes[0].box = [0, 0, 1.5, 1]; },
  },
  {
    name: 'colour not in the mask', code: 'E_LAYOUT_COLOUR_NOT_FOUND', node: 'layout', mentions: /1,2,3/,
    edit: (g) => {
      g.nodes.layout = {
        type: 'LayoutFromMask', version: 1,
        inputs: { image: fixturePath('layouts', 'two_subjects.png'), colours: { '1,2,3': ['circle', 2.5] } },
      };
    },
  },
];

for (const c of cases) {
  test(`bad input: ${c.name} -> ${c.code} on node "${c.node}"`, async () => {
    const graph = baseGraph();
    c.edit(graph);
    const e = await failure(graph);
    assert.equal(e.code, c.code, e.message);
    assert.equal(e.nodeId, c.node, e.message);
    assert.match(e.message, c.mentions);
  });
}

test('bad input: an export the pipeline cannot drive (prediction_type "sample") -> E_MODEL_UNSUPPORTED_EXPORT on "model"', async () => {
  const folder = join(scratchDir('export'), 'model');
  cpSync(MODEL, folder, { recursive: true, filter: (src) => !src.endsWith('.layout.onnx') });
  const configPath = join(folder, 'scheduler', 'scheduler_config.json');
  writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), prediction_type: 'sample' }));
  const graph = baseGraph();
  graph.nodes.model.inputs.folder = folder;
  const e = await failure(graph);
  assert.equal(e.code, 'E_MODEL_UNSUPPORTED_EXPORT', e.message);
  assert.equal(e.nodeId, 'model');
  assert.match(e.message, /sample/);
});
