/**
 * Reader for tensors saved with `torch.save` (the zip format of PyTorch >= 1.6):
 *
 *   <stem>/data.pkl    pickle: torch._utils._rebuild_tensor_v2(persid, offset, size, stride, requires_grad, hooks)
 *                      persid = ('storage', torch.FloatStorage, key, location, numel)
 *   <stem>/data/<key>  the storage: numel little-endian elements
 *   <stem>/version     format version (unused)
 *
 * The stem is whatever name the file was saved under, so entries are found by suffix. The device (`cuda:0`) and
 * requires_grad are ignored: only bytes are read.
 */
import { ModelError } from '../errors';
import { tensorSize } from '../tensor';
import { RESIDUAL_CODES } from './codes';
import { DTYPE_BYTES, decodeFloats, type FloatDtype } from './dtype';
import { unpickle, type PickleValue } from './pickle';
import { readZipEntries } from './zip';

/** torch storage class -> element type. */
const STORAGE_DTYPES: Readonly<Record<string, FloatDtype>> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
};
const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
/** An nn.Parameter is pickled as a call wrapping the tensor's own rebuild call. */
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';

export interface TorchTensorRef {
  readonly dtype: FloatDtype;
  readonly storageKey: string;
  readonly location: string;
  readonly numel: number;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export interface TorchTensor {
  readonly ref: TorchTensorRef;
  /** Float32 values in row-major order of `ref.shape` (strides and storage offset applied). */
  readonly data: Float32Array;
}

export function readTorchTensor(bytes: Uint8Array, source: string): TorchTensor {
  const entries = readZipEntries(bytes, source);
  const pickles = [...entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pickles.length !== 1) {
    throw new ModelError(RESIDUAL_CODES.format, `Expected one data.pkl in the PyTorch archive ${source} but found ${pickles.length}.`, {
      hint: 'This zip is not a file written by torch.save.',
      details: { entries: [...entries.keys()] },
    });
  }
  const stem = pickles[0].slice(0, -'data.pkl'.length);
  const ref = tensorRef(unpickle(entries.get(pickles[0])!.read(), source), source);
  const dataName = `${stem}data/${ref.storageKey}`;
  const entry = entries.get(dataName);
  if (!entry) {
    throw new ModelError(RESIDUAL_CODES.corrupt, `Expected the storage entry ${dataName} in ${source} but the archive does not have it.`, {
      hint: 'The file is incomplete: copy or re-save it.',
      details: { entries: [...entries.keys()] },
    });
  }
  const storageBytes = ref.numel * DTYPE_BYTES[ref.dtype];
  if (entry.size !== storageBytes) {
    throw new ModelError(RESIDUAL_CODES.corrupt, `Expected ${storageBytes} bytes (${ref.numel} x ${ref.dtype}) in ${dataName} ` +
      `of ${source} but it holds ${entry.size}.`, {
      hint: 'The file is truncated or damaged: copy or re-save it.',
    });
  }
  return { ref, data: gather(decodeFloats(entry.read(), ref.dtype), ref, source) };
}

/** Reads the symbolic pickle as a tensor rebuild call; anything else is not a bare tensor. */
function tensorRef(value: PickleValue, source: string): TorchTensorRef {
  const notTensor = (what: string) => new ModelError(RESIDUAL_CODES.format,
    `Expected ${source} to hold a bare tensor saved with torch.save but ${what}.`, {
      hint: 'Save the residual with torch.save(tensor, path), or convert it to safetensors.',
    });
  if (isObj(value, 'dict')) {
    const tensors = value.entries.filter(([, v]) => isCall(v, REBUILD_TENSOR) || isCall(v, REBUILD_PARAMETER));
    if (tensors.length !== 1 || value.entries.length !== 1) {
      throw new ModelError(RESIDUAL_CODES.shape, `Expected one tensor in ${source} ` +
        `but it holds a dict of ${value.entries.length} entries (${tensors.length} tensors).`, {
        hint: 'A residual file holds exactly one vector; save each residual to its own file.',
      });
    }
    return tensorRef(tensors[0][1], source);
  }
  if (isCall(value, REBUILD_PARAMETER)) return tensorRef(tupleItems(value.args)[0] ?? null, source);
  if (!isCall(value, REBUILD_TENSOR)) throw notTensor(`the pickle builds ${describe(value)}`);
  const [persid, offset, size, stride] = tupleItems(value.args);
  if (!isObj(persid, 'persid')) throw notTensor('its storage is not a persistent id');
  const [tag, storageType, key, location, numel] = tupleItems(persid.id);
  if (tag !== 'storage' || !isObj(storageType, 'global') || typeof key !== 'string' || typeof numel !== 'number') {
    throw notTensor('its storage reference is malformed');
  }
  const dtype = STORAGE_DTYPES[storageType.name];
  if (storageType.module !== 'torch' || !dtype) {
    throw notTensor(`its storage is torch.${storageType.name} (supported: ${Object.keys(STORAGE_DTYPES).join(', ')})`);
  }
  const shape = tupleItems(size);
  const strides = tupleItems(stride);
  const ints = (xs: PickleValue[]) => xs.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0);
  if (typeof offset !== 'number' || !ints(shape) || !ints(strides) || shape.length !== strides.length) {
    throw notTensor('its offset, size or stride is malformed');
  }
  return {
    dtype, storageKey: key, location: typeof location === 'string' ? location : '', numel, offset,
    shape: shape as number[], stride: strides as number[],
  };
}

/** Row-major copy of a strided view; checks the view stays inside the storage. */
function gather(storage: Float32Array, ref: TorchTensorRef, source: string): Float32Array {
  const count = tensorSize(ref.shape);
  if (count === 0) return new Float32Array(0);
  const last = ref.offset + ref.shape.reduce((acc, d, i) => acc + (d - 1) * ref.stride[i], 0);
  if (ref.offset < 0 || last >= storage.length) {
    const view = `offset ${ref.offset}, shape [${ref.shape.join(', ')}], stride [${ref.stride.join(', ')}]`;
    throw new ModelError(RESIDUAL_CODES.corrupt, `Expected the tensor view (${view}) to lie inside its ${storage.length}-element storage ` +
      `in ${source} but it reaches element ${last}.`, {
      hint: 'The file is damaged: copy or re-save it.',
    });
  }
  const out = new Float32Array(count);
  const index = new Array<number>(ref.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    out[i] = storage[ref.offset + index.reduce((acc, x, k) => acc + x * ref.stride[k], 0)];
    for (let k = index.length - 1; k >= 0 && ++index[k] === ref.shape[k]; k--) index[k] = 0;
  }
  return out;
}

function tupleItems(value: PickleValue): PickleValue[] {
  return isObj(value, 'tuple') ? value.items : [];
}

function isObj<K extends string>(value: PickleValue, kind: K): value is Extract<PickleValue, { kind: K }> {
  return typeof value === 'object' && value !== null && value.kind === kind;
}

function isCall(value: PickleValue, qualified: string): value is Extract<PickleValue, { kind: 'call' }> {
  return isObj(value, 'call') && isObj(value.fn, 'global') && `${value.fn.module}.${value.fn.name}` === qualified;
}

function describe(value: PickleValue): string {
  if (isObj(value, 'call') && isObj(value.fn, 'global')) return `a call to ${value.fn.module}.${value.fn.name}`;
  if (typeof value === 'object' && value !== null) return `a ${value.kind}`;
  return `the value ${JSON.stringify(value)}`;
}
