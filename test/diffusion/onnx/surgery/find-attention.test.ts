import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import { DataType, floatTensor, node, valueInfo } from '../../../../diffusion/onnx/proto';
import { GraphIndex } from '../../../../diffusion/onnx/surgery/graph-index';
import { findCrossAttention, patchModel } from '../../../../diffusion/onnx/surgery/patch-model';
import { DIMS, buildAttentionModel, makeWeights } from '../helpers/synthetic-attention';

const weights = makeWeights();
const attn2Softmax = (model: ReturnType<typeof buildAttentionModel>) =>
  model.graph!.node.filter((n) => n.opType === 'Softmax' && n.name.includes('/attn2/'));

test('the query length is read from recorded shapes when the export has them', () => {
  const model = buildAttentionModel('pt2', weights);
  const [first] = attn2Softmax(model);
  model.graph!.valueInfo.push(valueInfo(first.input[0], DataType.FLOAT, ['batch', DIMS.H, DIMS.S, 'sequence']));
  const { sites } = findCrossAttention(model);
  assert.deepEqual(sites.map((s) => s.queryLength), [DIMS.S, null]);
});

test('a Softmax not provably over the text axis is skipped with a reason, not patched', () => {
  const model = buildAttentionModel('pt2', weights);
  for (const softmax of attn2Softmax(model)) softmax.attribute[0].i = 1n; // axis 1 = heads
  const { sites, skipped } = findCrossAttention(model);
  assert.equal(sites.length, 0);
  assert.equal(skipped.length, 2);
  assert.match(skipped[0].reason, /not provably the last \(text\) axis/);
  assert.throws(() => patchModel(model), (err: any) => err.code === 'E_SURGERY_NO_ATTENTION' && err.details.skipped.length === 2);
});

test('MultiHeadAttention with a projection bias is skipped, the others are patched', () => {
  const model = buildAttentionModel('fused', weights);
  const mha = model.graph!.node.filter((n) => n.opType === 'MultiHeadAttention');
  model.graph!.initializer.push(floatTensor('proj_bias', [3 * DIMS.C], new Float32Array(3 * DIMS.C)));
  mha[1].input[3] = 'proj_bias'; // the first cross-attention
  const { layers, skipped } = patchModel(model);
  assert.deepEqual(skipped.map((s) => s.node), [mha[1].name]);
  assert.equal(layers.length, 1);
  assert.equal(layers[0].posInput, 'layout_pos_0');
  assert.ok(layers[0].scope.startsWith('/up_blocks.1/'));
});

test('parameter analysis handles activation chains far deeper than the JS call stack', () => {
  // An SD UNet has thousands of nodes between input and output; a recursive walk would overflow.
  const depth = 20_000;
  const nodes = Array.from({ length: depth }, (_, i) => node('Add', `add_${i}`, [i ? `t${i - 1}` : 'x', 'w'], [`t${i}`]));
  const graph = create(GraphProtoSchema, {
    node: nodes, input: [valueInfo('x', DataType.FLOAT, [1])], initializer: [floatTensor('w', [1], [1])],
    output: [valueInfo(`t${depth - 1}`, DataType.FLOAT, [1])],
  });
  const index = new GraphIndex(create(ModelProtoSchema, { graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] }));
  assert.equal(index.isParam(`t${depth - 1}`), false);
  assert.equal(index.isParam('w'), true);
});
