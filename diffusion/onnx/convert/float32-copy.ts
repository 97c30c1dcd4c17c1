/**
 * A float32 copy of a float16 / bfloat16 model, for the CPU provider where the export's own types have no kernel
 * (onnxruntime runs most float16 graphs on CPU by inserting casts, but not bfloat16 ones, and some ops have neither).
 * Written once into the cache folder (CONES_CACHE_DIR) and reused while the source is unchanged; the model folder
 * is never written. Weights go to one external-data file beside the copy, converted one tensor at a time, so memory
 * stays bounded by the largest tensor (never the whole model) and the copy's proto stays far below protobuf's 2 GiB.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelError } from '../../errors';
import { DataType, decodeModel, encodeModel, metadataEntry, type ModelProto, type TensorProto } from '../proto';
import { cachedFileName, derivedFrom, META_DERIVED_FROM } from '../cache-dir';
import { pruneCache } from '../cache-prune';
import { externalFiles, externalRefs } from '../surgery/external-data';
import { fingerprint, stillCurrent, type SourceFingerprint } from '../surgery/fingerprint';
import { readModelMetadata } from '../surgery/model-metadata';
import { convertFloatBytes, floatTypesIn, inlineBytes, retypeGraph, type FloatType } from './retype';

export const CONVERT_VERSION = '1';
const META_VERSION = 'cones.float32_copy.version';
const META_SOURCE = 'cones.float32_copy.source';
/** Tensors above this many bytes are written to the external-data file. */
const INLINE_LIMIT = 1024;

export interface Float32Copy {
  path: string;
  /** The reduced-precision types that were widened. */
  from: string[];
  cached: boolean;
  /** Bytes of converted weights written (0 when reused). */
  bytesWritten: number;
}

/** True when the model file declares float16 or bfloat16 tensors anywhere (decodes the graph, not external data). */
export function hasReducedFloats(modelPath: string): boolean {
  const types = floatTypesIn(decodeModel(readFileSync(modelPath), modelPath).graph!);
  return types.has(DataType.FLOAT16) || types.has(DataType.BFLOAT16);
}

/**
 * Converts `source` (whose external data, if any, lives in `externalDataFolder`, default the source's folder) to
 * float32 in the cache. Concurrent processes each write a private temp pair and rename it into place.
 */
export async function float32Copy(source: string, opts: { externalDataFolder?: string } = {}): Promise<Float32Copy> {
  const src = resolve(source);
  const dataDir = resolve(opts.externalDataFolder ?? dirname(src));
  const outPath = cachedFileName('float32', src, '.f32.onnx');
  if (existsSync(outPath)) {
    const meta = safeMetadata(outPath);
    const recorded = meta.get(META_SOURCE);
    if (meta.get(META_VERSION) === CONVERT_VERSION && recorded && (await stillCurrent(src, JSON.parse(recorded) as SourceFingerprint, dataDir))) {
      return { path: outPath, from: [], cached: true, bytesWritten: 0 };
    }
  }
  const model = decodeModel(readFileSync(src), src);
  const print = await fingerprint(src, externalFiles(externalRefs(model)), dataDir);
  const types = floatTypesIn(model.graph!);
  const from = ([DataType.FLOAT16, DataType.BFLOAT16] as FloatType[]).filter((t) => types.has(t));
  mkdirSync(dirname(outPath), { recursive: true });
  const tmpModel = `${outPath}.tmp-${process.pid}`;
  const dataName = `${basename(outPath)}.data`;
  const tmpData = `${join(dirname(outPath), dataName)}.tmp-${process.pid}`;
  const writer = new DataWriter(tmpData, dataName);
  try {
    const reader = new ExternalReader(dataDir);
    try {
      // Every tensor that lived outside the proto moves to the copy's data file (converted or not), so the copy does
      // not depend on where the source's data was; converted inline tensors above INLINE_LIMIT move there too.
      for (const type of from) {
        retypeGraph(model.graph!, type, DataType.FLOAT, (t, initializer) => {
          writer.put(t, convertFloatBytes(tensorBytes(t, type, reader), type, DataType.FLOAT), initializer);
        });
      }
      relocateRemaining(model, reader, writer);
    } finally {
      reader.close();
    }
    writer.close();
    model.metadataProps = model.metadataProps.filter((e) => ![META_VERSION, META_SOURCE, META_DERIVED_FROM].includes(e.key));
    model.metadataProps.push(
      metadataEntry(META_VERSION, CONVERT_VERSION), metadataEntry(META_SOURCE, JSON.stringify(print)), metadataEntry(META_DERIVED_FROM, derivedFrom(src)),
    );
    writeFileSync(tmpModel, encodeModel(model));
    renameSync(tmpData, join(dirname(outPath), dataName));
    renameSync(tmpModel, outPath);
  } catch (err) {
    writer.close();
    rmSync(tmpData, { force: true });
    rmSync(tmpModel, { force: true });
    if (err instanceof ModelError) throw err;
    throw new ModelError('E_ONNX_CONVERT', `Expected to write a float32 copy of ${src} into ${dirname(outPath)} ` +
      `but it failed: ${(err as Error).message}`, {
      hint: 'Check that the cache folder (CONES_CACHE_DIR) is writable and has room for twice the half-precision weights.',
      cause: err,
    });
  }
  pruneCache(); // a new derived file: drop those whose source is gone (cache-prune.ts)
  return { path: outPath, from: from.map((t) => (t === DataType.FLOAT16 ? 'float16' : 'bfloat16')), cached: false, bytesWritten: writer.offset };
}

function safeMetadata(path: string): Map<string, string> {
  try { return readModelMetadata(path); } catch { return new Map(); }
}

/** The element bytes of a tensor, inline or read from its external-data file. */
function tensorBytes(t: TensorProto, type: FloatType, reader: ExternalReader): Uint8Array {
  return t.dataLocation === 1 ? reader.read(t) : inlineBytes(t, type);
}

/** Any external tensor not converted above (int64 shapes, float32 parts of mixed graphs) is copied as is. */
function relocateRemaining(model: ModelProto, reader: ExternalReader, writer: DataWriter): void {
  for (const t of model.graph!.initializer) {
    if (t.dataLocation === 1 && !writer.owns(t)) writer.put(t, reader.read(t), true);
  }
}

class ExternalReader {
  private fds = new Map<string, number>();
  constructor(private readonly dir: string) {}

  read(t: TensorProto): Uint8Array {
    const entry = (k: string): string | undefined => t.externalData.find((e) => e.key === k)?.value;
    const location = entry('location') ?? '';
    const offset = Number(entry('offset') ?? 0);
    const length = Number(entry('length') ?? NaN);
    if (!location || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) {
      throw new ModelError('E_ONNX_CONVERT', `Expected tensor "${t.name}" to name its external data with location, offset and length ` +
        'but it does not.', { hint: 'Re-save the model with onnx.save(..., save_as_external_data=True).' });
    }
    const path = resolve(this.dir, location);
    if (dirname(path) !== this.dir && !path.startsWith(this.dir + '/')) {
      throw new ModelError('E_SURGERY_EXTERNAL_DATA', `Expected the external data of "${t.name}" inside ${this.dir} but it names ${location}.`);
    }
    let fd = this.fds.get(path);
    if (fd === undefined) { fd = openSync(path, 'r'); this.fds.set(path, fd); }
    const bytes = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, bytes, got, length - got, offset + got);
      if (n === 0) throw new ModelError('E_ONNX_CONVERT', `Expected ${length} bytes of "${t.name}" at offset ${offset} in ${path} but the file ends early.`);
      got += n;
    }
    return bytes;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Appends tensor bytes to one external-data file and points each tensor at its slice. */
class DataWriter {
  offset = 0;
  private fd: number | null;
  private readonly written = new WeakSet<TensorProto>();
  constructor(path: string, private readonly location: string) { this.fd = openSync(path, 'w'); }

  owns(t: TensorProto): boolean { return this.written.has(t); }

  put(t: TensorProto, bytes: Uint8Array, initializer: boolean): void {
    if (!initializer || (bytes.byteLength <= INLINE_LIMIT && t.dataLocation !== 1)) {
      t.rawData = new Uint8Array(bytes);
      t.floatData = [];
      t.int32Data = [];
      t.dataLocation = 0;
      t.externalData = [];
      return;
    }
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd!, bytes, done, bytes.byteLength - done);
    t.rawData = new Uint8Array(0);
    t.floatData = [];
    t.int32Data = [];
    t.dataLocation = 1;
    t.externalData = [
      metadataEntry('location', this.location), metadataEntry('offset', String(this.offset)), metadataEntry('length', String(bytes.byteLength)),
    ];
    this.offset += bytes.byteLength;
    this.written.add(t);
  }

  close(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
  }
}
