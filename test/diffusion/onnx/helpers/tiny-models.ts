/** Minimal one-node models for session and input-metadata tests. */
import { create } from '@bufbuild/protobuf';
import { writeFileSync } from 'node:fs';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import { DataType, encodeModel, node, valueInfo } from '../../../../diffusion/onnx/proto';
import { scratchDir } from '../../../helpers/scratch';

/** A temp dir removed when the test process exits (see test/helpers/scratch.ts). */
export function tempDir(label: string): string {
  return scratchDir(`onnx-${label}`);
}

/** Inputs of the dtypes/ranks SD exporters disagree on; each passes through Cast(float) to an output. */
export function exporterInputsModel(): Uint8Array {
  const inputs = [
    valueInfo('ids32', DataType.INT32, ['batch', 'seq']),
    valueInfo('ids64', DataType.INT64, ['batch', 'seq']),
    valueInfo('t_scalar', DataType.FLOAT, []),
    valueInfo('t_vec', DataType.INT64, ['steps']),
    valueInfo('half', DataType.FLOAT16, [2]),
    valueInfo('flag', DataType.BOOL, [1]),
  ];
  const nodes = inputs.map((i) => node('Cast', `cast_${i.name}`, [i.name], [`${i.name}_f`], { to: DataType.FLOAT }));
  const graph = create(GraphProtoSchema, {
    name: 'exporter_inputs', node: nodes, input: inputs,
    output: inputs.map((i) => valueInfo(`${i.name}_f`, DataType.FLOAT, null)),
  });
  return encodeModel(create(ModelProtoSchema, {
    irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })],
  }));
}

/** y = x + 1 (float32 [n]); `bump` changes the constant so a rewritten file differs. */
export function writeAddOneModel(path: string, bump = 1): void {
  const graph = create(GraphProtoSchema, {
    name: 'add_one',
    node: [node('Constant', 'one', [], ['c'], { value_float: { float: bump } }), node('Add', 'add', ['x', 'c'], ['y'])],
    input: [valueInfo('x', DataType.FLOAT, ['n'])],
    output: [valueInfo('y', DataType.FLOAT, ['n'])],
  });
  writeFileSync(path, encodeModel(create(ModelProtoSchema, {
    irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })],
  })));
}
