/**
 * The safetensors container (huggingface/safetensors format description):
 *
 *   [u64 LE: N] [N bytes of UTF-8 JSON header, may end in spaces] [byte buffer]
 *   header = { name: { dtype, shape, data_offsets: [begin, end] } ..., "__metadata__"?: { string: string } }
 *
 * Offsets are relative to the byte buffer, which the tensors must cover exactly (no holes, no overlap): the same
 * validation the reference implementation applies, so a header that lies about its data is caught here.
 */
import { ModelError } from '../errors';
import { tensorSize } from '../tensor';
import { RESIDUAL_CODES } from './codes';
import { DTYPE_BYTES, decodeFloats, isFloatDtype, type FloatDtype } from './dtype';

/** Width of the header-length prefix. */
const LENGTH_PREFIX_BYTES = 8;
/** The reference implementation refuses headers over 100 MB; a residual header is a few hundred bytes. */
const MAX_HEADER_BYTES = 100_000_000;
/** Writers pad the header so the byte buffer starts 8-byte aligned. */
const HEADER_ALIGNMENT = 8;
const METADATA_KEY = '__metadata__';

export interface SafeTensor {
  readonly name: string;
  /** Dtype as stored; `data` is always converted to float32. */
  readonly dtype: FloatDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  readonly tensors: readonly SafeTensor[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** True when the bytes look like safetensors (a plausible length prefix followed by '{'). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < LENGTH_PREFIX_BYTES + 2) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(MAX_HEADER_BYTES) && bytes[LENGTH_PREFIX_BYTES] === 0x7b;
}

export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const corrupt = (what: string) => new ModelError(RESIDUAL_CODES.corrupt, `Expected a valid safetensors file at ${source} but ${what}.`, {
    hint: 'The file is truncated or damaged: copy or re-export it.',
  });
  if (bytes.length < LENGTH_PREFIX_BYTES) throw corrupt(`it is only ${bytes.length} bytes long`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || LENGTH_PREFIX_BYTES + headerLength > bytes.length) {
    throw corrupt(`its header claims ${headerLength} bytes and the file has ${bytes.length}`);
  }
  let header: unknown;
  try {
    const headerBytes = bytes.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + headerLength);
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw corrupt(`its header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt('its header is not a JSON object');
  const data = bytes.subarray(LENGTH_PREFIX_BYTES + headerLength);
  const tensors: Array<SafeTensor & { begin: number; end: number }> = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(entry, corrupt);
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw corrupt(`its header entry ${JSON.stringify(name)} is not an object`);
    }
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (!isFloatDtype(dtype)) {
      throw new ModelError(RESIDUAL_CODES.format, `Expected a float tensor (F32, F16, BF16, F64) for ${JSON.stringify(name)} ` +
        `in ${source} but received dtype ${JSON.stringify(dtype)}.`, {
        hint: 'A residual is a float vector; re-export it as float32.',
      });
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw corrupt(`tensor ${JSON.stringify(name)} has shape ${JSON.stringify(shape)}`);
    }
    const offsetPair = Array.isArray(offsets) && offsets.length === 2 && offsets.every((o) => Number.isInteger(o) && o >= 0);
    if (!offsetPair || offsets[0] > offsets[1]) {
      throw corrupt(`tensor ${JSON.stringify(name)} has data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = tensorSize(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      throw corrupt(`tensor ${JSON.stringify(name)} of shape [${shape.join(', ')}] ${dtype} needs ${expected} bytes ` +
        `and its offsets span ${end - begin}`);
    }
    if (end > data.length) throw corrupt(`tensor ${JSON.stringify(name)} ends at byte ${end} of a ${data.length}-byte data section`);
    tensors.push({ name, dtype, shape, begin, end, data: decodeFloats(data.slice(begin, end), dtype) });
  }
  checkCoverage(tensors, data.length, corrupt);
  return { tensors: tensors.map(({ name, dtype, shape, data: values }) => ({ name, dtype, shape, data: values })), metadata };
}

function parseMetadata(entry: unknown, corrupt: (what: string) => ModelError): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw corrupt('its __metadata__ is not an object');
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string') throw corrupt(`its __metadata__ value for ${JSON.stringify(key)} is not a string`);
  }
  return { ...(entry as Record<string, string>) };
}

function checkCoverage(
  tensors: ReadonlyArray<{ name: string; begin: number; end: number }>, dataLength: number, corrupt: (what: string) => ModelError,
): void {
  let at = 0;
  for (const t of [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (t.begin !== at) {
      throw corrupt(`tensor ${JSON.stringify(t.name)} starts at byte ${t.begin} where ${at} was expected (hole or overlap)`);
    }
    at = t.end;
  }
  if (at !== dataLength) throw corrupt(`its tensors cover ${at} of ${dataLength} data bytes`);
}

/** Serialises float32 tensors (written as F32 little-endian) with string metadata. */
export function serializeSafetensors(
  tensors: ReadonlyArray<{ name: string; shape: readonly number[]; data: Float32Array }>, metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.data.length !== tensorSize(t.shape)) {
      throw new RangeError(`Expected ${tensorSize(t.shape)} values for tensor ${t.name} of shape [${t.shape.join(', ')}] ` +
        `but received ${t.data.length}`);
    }
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  const rawLength = new TextEncoder().encode(json).length;
  json += ' '.repeat((HEADER_ALIGNMENT - ((LENGTH_PREFIX_BYTES + rawLength) % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, LENGTH_PREFIX_BYTES);
  let at = LENGTH_PREFIX_BYTES + headerBytes.length;
  for (const t of tensors) {
    for (const v of t.data) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  return out;
}
