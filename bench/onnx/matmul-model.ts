import { create } from '@bufbuild/protobuf';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from 'onnx-buf';
import { DataType, encodeModel, node, valueInfo } from '../../diffusion/onnx/proto';

/**
 * A one-node model C = A @ B (float32 [n, n] inputs, no weights), for the machine's matrix-multiply throughput:
 * onnxruntime's MLAS GEMM is the kernel that runs a UNet's convolutions and projections, so its rate on a large
 * square product is the practical peak the UNet figures are compared with.
 */
export function writeMatmulModel(path: string, n: number): void {
  const graph = create(GraphProtoSchema, {
    name: 'matmul_peak',
    node: [node('MatMul', 'matmul', ['a', 'b'], ['c'])],
    input: [valueInfo('a', DataType.FLOAT, [n, n]), valueInfo('b', DataType.FLOAT, [n, n])],
    output: [valueInfo('c', DataType.FLOAT, [n, n])],
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodeModel(create(ModelProtoSchema, {
    irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })],
  })));
}

/** FLOPs of one n x n x n product (n^3 multiply-adds). */
export function matmulPeakFlops(n: number): number {
  return 2 * n ** 3;
}
