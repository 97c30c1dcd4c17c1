/**
 * External-data references of a model: every tensor stored outside the .onnx file, wherever it sits
 * (initializers, sparse initializers, Constant-node attribute tensors, nested subgraphs). The surgery
 * re-serialises the ModelProto, which keeps these references byte for byte. ORT 1.30 rejects locations that are
 * absolute, contain `..`, or escape the model folder through a symlink, so references must resolve inside the
 * source's folder; the patched copy (in the cache folder) is opened with that folder as its external-data folder.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { ModelError } from '../../errors';
import type { AttributeProto, GraphProto, ModelProto, TensorProto } from '../proto';

export interface ExternalRef {
  tensor: string;
  location: string;
}

export function externalRefs(model: ModelProto): ExternalRef[] {
  const refs: ExternalRef[] = [];
  const visitTensor = (tensor: TensorProto | undefined, owner: string) => {
    if (!tensor || tensor.dataLocation !== 1) return;
    const location = tensor.externalData.find((e) => e.key === 'location')?.value ?? '';
    refs.push({ tensor: tensor.name || owner, location });
  };
  const visitAttr = (attr: AttributeProto, owner: string) => {
    visitTensor(attr.t, owner);
    attr.tensors.forEach((t) => visitTensor(t, owner));
    if (attr.sparseTensor) { visitTensor(attr.sparseTensor.values, owner); visitTensor(attr.sparseTensor.indices, owner); }
    if (attr.g) visitGraph(attr.g);
    attr.graphs.forEach(visitGraph);
  };
  const visitGraph = (graph: GraphProto) => {
    graph.initializer.forEach((t) => visitTensor(t, t.name));
    graph.sparseInitializer.forEach((s) => { visitTensor(s.values, 'sparse'); visitTensor(s.indices, 'sparse'); });
    for (const n of graph.node) n.attribute.forEach((a) => visitAttr(a, n.name || n.output[0]));
  };
  if (model.graph) visitGraph(model.graph);
  return refs;
}

/** Distinct external files referenced. */
export function externalFiles(refs: ExternalRef[]): string[] {
  return [...new Set(refs.map((r) => r.location))].sort();
}

/** Throws E_SURGERY_EXTERNAL_DATA unless every reference resolves inside the folder of `modelPath`. */
export function assertExternalRefsValid(refs: ExternalRef[], modelPath: string): void {
  const dir = dirname(modelPath);
  const realDir = existsSync(dir) ? realpathSync(dir) : dir;
  for (const location of externalFiles(refs)) {
    const ref = refs.find((r) => r.location === location)!;
    const fail = (problem: string) => {
      throw new ModelError('E_SURGERY_EXTERNAL_DATA', `Expected external data "${location}" (tensor ${ref.tensor}) ` +
        `to be a file inside ${dir} but it ${problem}.`, {
        hint: 'Write the patched model in the same folder as the original model and its weights file (the default).',
        details: { location, modelPath },
      });
    };
    if (!location) fail('has no location');
    if (isAbsolute(location) || location.split(/[\\/]/).includes('..')) fail('is absolute or contains ".."');
    const target = join(dir, location);
    if (!existsSync(target) || !statSync(target).isFile()) fail('does not exist there');
    const rel = relative(realDir, realpathSync(target));
    if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) fail('resolves (through a symlink) outside that folder');
  }
}
