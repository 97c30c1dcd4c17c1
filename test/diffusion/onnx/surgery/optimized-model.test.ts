import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../../../diffusion/onnx/session';
import { clearSessionCache } from '../../../../diffusion/onnx/session-cache';
import { decodeModel, encodeModel, type NodeProto } from '../../../../diffusion/onnx/proto';
import { patchModel } from '../../../../diffusion/onnx/surgery/patch-model';
import { buildAttentionModel, makeWeights, type Style } from '../helpers/synthetic-attention';
import { tempDir } from '../helpers/tiny-models';

// ORT's CPU graph optimiser rewrites attention (MatMul+Mul -> FusedMatMul, transpose folding). The
// dump of the graph it actually runs must still route the layout bias into every patched Softmax /
// MultiHeadAttention, or the surgery would silently do nothing.
const dir = tempDir('optimized');
after(async () => { await clearSessionCache(); rmSync(dir, { recursive: true, force: true }); });

for (const style of ['pt2', 'pt1', 'fused'] as Style[]) {
  test(`${style}: the bias survives ORT's 'all' CPU optimisations`, async () => {
    const model = buildAttentionModel(style, makeWeights());
    const { layers } = patchModel(model);
    const dumped = join(dir, `${style}.optimized.onnx`);
    const patchedPath = join(dir, `${style}.layout.onnx`);
    writeFileSync(patchedPath, encodeModel(model));
    await createSession(patchedPath, { graphOptimizationLevel: 'all', optimizedModelFilePath: dumped });
    const run = decodeModel(readFileSync(dumped)).graph!;
    const producer = new Map<string, NodeProto>();
    for (const n of run.node) for (const o of n.output) producer.set(o, n);

    // The dtype adapters (Cast/CastLike to the logits' type) are no-ops here that ORT may drop.
    const source = (tensor: string) => {
      let n = producer.get(tensor);
      while (n && (n.opType === 'Cast' || n.opType === 'CastLike')) n = producer.get(n.input[0]);
      return n;
    };
    for (const layer of layers) {
      const prefix = `${layer.scope}layout_bias/`;
      const target = run.node.find((n) => n.name === layer.nodes[layer.nodes.length - 1]);
      assert.ok(target, `${layer.scope}: target node kept`);
      if (layer.kind === 'matmul-softmax') {
        const reshape = producer.get(target.input[0])!;
        assert.equal(reshape.name, `${prefix}biased_logits`);
        const add = producer.get(reshape.input[0])!;
        assert.equal(add.opType, 'Add');
        assert.equal(add.name, `${prefix}biased`);
        assert.ok(add.input.some((i) => source(i)?.name === `${prefix}bias`));
      } else {
        assert.equal(target.opType, 'MultiHeadAttention');
        assert.equal(source(target.input[5])?.name, `${prefix}bias_expanded`);
      }
      // The bias still reads this layer's own inputs.
      const scaled = run.node.find((n) => n.name === `${prefix}pos_scaled`);
      assert.ok(scaled?.input.includes(layer.posInput));
      assert.ok(run.node.find((n) => n.name === `${prefix}bias`)?.input.includes(layer.negInput));
    }
  });
}
