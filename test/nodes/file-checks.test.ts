/**
 * The nodes' file checks (issue 24): each problem the run meets only after loading the model (see
 * test/nodes/bad-inputs.test.ts, which runs the same edits and asserts the same codes at run time) is found by
 * validation, on the right node and input, with the run's code, and without running anything.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkGraph, GraphValidationError, NodeRegistry, type GraphIssue } from '../../engine';
import { ALL_NODES } from '../../nodes';
import { fixturePath, REPO, SHAPES_MODEL } from '../helpers/paths';
import { scratchDir } from '../helpers/scratch';

const registry = new NodeRegistry(ALL_NODES);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Graph = any;

const example = (name: string): Graph => JSON.parse(readFileSync(join(REPO, 'graphs', name), 'utf8'));

/** The issues file validation finds (none: []). */
async function issuesOf(graph: Graph, opts: { files?: boolean } = {}): Promise<GraphIssue[]> {
  try {
    await checkGraph(graph, registry, { searchPaths: [REPO], libraries: [join(REPO, 'graphs', 'lib')], ...opts });
    return [];
  } catch (err) {
    if (err instanceof GraphValidationError) return err.issues;
    throw err;
  }
}

test('every example graph validates with its files', async () => {
  const names = readdirSync(join(REPO, 'graphs')).filter((f) => f.endsWith('.json'));
  assert.ok(names.length >= 5);
  for (const name of names) assert.deepEqual(await issuesOf(example(name)), [], name);
});

const broken = scratchDir('checks');
const incomplete = join(broken, 'incomplete-model');
cpSync(SHAPES_MODEL, incomplete, { recursive: true });
rmSync(join(incomplete, 'unet', 'model.onnx'));
writeFileSync(join(broken, 'not-a.png'), 'not an image');

const cases: Array<{
  name: string; code: string; node: string; input: string; mentions: RegExp; edit: (g: Graph) => void; noHint?: true;
}> = [
  {
    name: 'missing model folder', code: 'E_MODEL_FOLDER_MISSING', node: 'model', input: 'folder', mentions: /no-such-model/,
    edit: (g) => { g.nodes.model.inputs.folder = join(tmpdir(), 'no-such-model'); },
  },
  {
    name: 'model folder without its UNet', code: 'E_MODEL_FOLDER_INCOMPLETE', node: 'model', input: 'folder', mentions: /unet\/model.onnx/,
    edit: (g) => { g.nodes.model.inputs.folder = incomplete; },
  },
  {
    name: 'missing residual file', code: 'E_RESIDUAL_NOT_FOUND', node: 'residual', input: 'path', mentions: /nope\.safetensors/,
    edit: (g) => { g.nodes.residual.inputs.path = 'models/shapes/residuals/nope.safetensors'; },
  },
  {
    name: 'residual of another model (SD width 1024 on a 128-wide text encoder)',
    code: 'E_RESIDUAL_WIDTH', node: 'add_residual', input: 'residual', mentions: /width 128 .* received 1024/,
    edit: (g) => { g.nodes.residual.inputs.path = fixturePath('residuals', 'reference_layout.pt'); },
  },
  {
    name: 'residual phrase not in the prompt', code: 'E_PHRASE_NOT_IN_PROMPT', node: 'add_residual', input: 'phrase', mentions: /triangle/,
    edit: (g) => { g.nodes.add_residual.inputs.phrase = 'triangle'; },
  },
  {
    name: 'residual phrase matches only part of a word', code: 'E_PHRASE_NOT_IN_PROMPT', node: 'add_residual', input: 'phrase',
    mentions: /"circ"/,
    edit: (g) => { g.nodes.add_residual.inputs.phrase = 'circ'; },
  },
  {
    name: 'residual occurrence beyond the prompt', code: 'E_PHRASE_OCCURRENCE', node: 'add_residual', input: 'occurrence', mentions: /0\.\.0/,
    edit: (g) => { g.nodes.add_residual.inputs.occurrence = '3'; },
  },
  {
    name: 'layout phrase not in the prompt', code: 'E_PHRASE_NOT_IN_PROMPT', node: 'sampler', input: 'layout', mentions: /star/,
    edit: (g) => { g.nodes.layout.inputs.boxes[1].phrase = 'star'; },
  },
  {
    name: 'layout phrase in the prompt only through a template part', code: 'E_PHRASE_NOT_IN_PROMPT', node: 'sampler', input: 'layout',
    mentions: /"square"/,
    edit: (g) => {
      g.nodes.part = { type: 'Text', version: 1, inputs: { value: 'a blue star' } };
      g.nodes.prompt = { type: 'TextTemplate', version: 1, inputs: { template: 'a circle and {a}', a: { from: 'part', output: 'text' } } };
    },
  },
  {
    name: 'colour not in the mask', code: 'E_LAYOUT_COLOUR_NOT_FOUND', node: 'layout', input: 'colours', mentions: /1,2,3/,
    edit: (g) => {
      g.nodes.layout = {
        type: 'LayoutFromMask', version: 1,
        inputs: { image: fixturePath('layouts', 'two_subjects.png'), colours: { '1,2,3': ['circle', 2.5] } },
      };
    },
  },
  {
    name: 'mask that is not an image', code: 'E_LAYOUT_IMAGE_READ', node: 'layout', input: 'image', mentions: /not-a\.png/,
    edit: (g) => {
      g.nodes.layout = { type: 'LayoutFromMask', version: 1, inputs: { image: join(broken, 'not-a.png'), colours: { '255,0,0': ['circle', 2.5] } } };
    },
  },
  {
    name: 'mask phrase not in the prompt', code: 'E_PHRASE_NOT_IN_PROMPT', node: 'sampler', input: 'layout', mentions: /"dog"/,
    edit: (g) => {
      g.nodes.layout = {
        type: 'LayoutFromMask', version: 1,
        inputs: { image: fixturePath('layouts', 'two_subjects.png'), colours: { '255,0,0': ['circle', 2.5], '255,192,0': ['dog', 2.5] } },
      };
    },
  },
  {
    name: 'fixed-length prompt over 75 tokens', code: 'E_PROMPT_TOO_LONG', node: 'tokens', input: 'text', mentions: /75/,
    edit: (g) => { g.nodes.prompt.inputs.value = `a circle and a blue square ${'and a red star '.repeat(30)}`; },
  },
  {
    name: 'template placeholder without a value', code: 'E_TEMPLATE_INPUT_MISSING', node: 'prompt', input: 'b', mentions: /\{b\}/,
    edit: (g) => { g.nodes.prompt = { type: 'TextTemplate', version: 1, inputs: { template: 'a circle and {b}', a: 'x' } }; },
  },
  {
    name: 'layout weight between -1 (the model\'s value) and 0', code: 'E_SAMPLER_SETTING', node: 'sampler', input: 'layout_weight',
    mentions: /-0\.5/,
    edit: (g) => { g.nodes.sampler.inputs.layout_weight = -0.5; },
  },
  {
    name: 'unparsable resolution selection', code: 'E_LAYOUT_RESOLUTION', node: 'sampler', input: 'resolutions', mentions: /sixteen/,
    noHint: true, // the message itself lists the accepted forms
    edit: (g) => { g.nodes.sampler.inputs.resolutions = 'sixteen'; },
  },
];

for (const c of cases) {
  test(`file check: ${c.name} -> ${c.code} on ${c.node}.${c.input}, and structure alone passes`, async () => {
    const graph = example('custom-subject-layout.json');
    c.edit(graph);
    assert.deepEqual(await issuesOf(structuredClone(graph), { files: false }), [], 'structurally valid');
    const issues = await issuesOf(graph);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    const [issue] = issues;
    assert.deepEqual([issue.code, issue.nodeId, issue.input], [c.code, c.node, c.input], issue.message);
    assert.match(issue.message, c.mentions);
    if (!c.noHint) assert.ok(issue.hint, 'the hint says what to do');
    if (issue.hint) assert.ok(!issue.message.endsWith(issue.hint), 'the hint is not repeated in the message');
  });
}

test('every file problem of a graph is reported at once, each on its node', async () => {
  const graph = example('custom-subject-layout.json');
  graph.nodes.residual.inputs.path = fixturePath('residuals', 'reference_layout.pt');
  graph.nodes.add_residual.inputs.phrase = 'triangle';
  graph.nodes.layout.inputs.boxes[1].phrase = 'star';
  const issues = await issuesOf(graph);
  assert.deepEqual(issues.map((i) => `${i.code}@${i.nodeId}.${i.input}`), [
    'E_RESIDUAL_WIDTH@add_residual.residual', 'E_PHRASE_NOT_IN_PROMPT@add_residual.phrase', 'E_PHRASE_NOT_IN_PROMPT@sampler.layout',
  ]);
});

test('the checks follow the run: a layout that does not act (gw 0) is not matched; a model problem silences the checks that need it', async () => {
  const off = example('custom-subject-layout.json');
  off.nodes.layout.inputs.boxes[1].phrase = 'star';
  off.nodes.sampler.inputs.layout_weight = 0;
  assert.deepEqual(await issuesOf(off), [], 'generate() skips the layout at gw 0, so the run would not fail');
  const unguided = example('custom-subject-layout.json');
  unguided.nodes.layout.inputs.boxes[1].phrase = 'star';
  Object.assign(unguided.nodes.sampler.inputs, { steps: 1, guidance_steps: 0 });
  assert.deepEqual(await issuesOf(unguided), [], '0 guided steps: the layout does not act');
  unguided.nodes.sampler.inputs.guidance_steps = -1;
  assert.deepEqual((await issuesOf(unguided)).map((i) => i.code), ['E_PHRASE_NOT_IN_PROMPT'], 'the model\'s share of 1 step guides that step');

  const noModel = example('custom-subject-layout.json');
  noModel.nodes.model.inputs.folder = join(tmpdir(), 'no-such-model');
  noModel.nodes.add_residual.inputs.phrase = 'triangle';
  const issues = await issuesOf(noModel);
  assert.deepEqual(issues.map((i) => i.code), ['E_MODEL_FOLDER_MISSING'], 'no guess without the tokenizer');
});

test('a valid mask layout passes and its phrases are checked against the prompt', async () => {
  const graph = example('custom-subject-layout.json');
  graph.nodes.layout = {
    type: 'LayoutFromMask', version: 1,
    inputs: { image: fixturePath('layouts', 'two_subjects.png'), colours: { '255,0,0': ['circle', 2.5], '255,192,0': ['square', 2.5] } },
  };
  assert.deepEqual(await issuesOf(graph), []);
});
