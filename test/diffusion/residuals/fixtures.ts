/**
 * Test fixtures: a hand-assembled torch.save pickle and a small ZIP writer, so tests can build .pt archives with
 * other stems, DEFLATE entries, missing entries, other dtypes or bad opcodes. Byte layouts follow Lib/pickletools.py
 * and PKWARE APPNOTE.TXT; the files torch.save writes (test/fixtures/cones2/residuals/) use the same layout (STORED).
 */
import { crc32, deflateRawSync } from 'node:zlib';

const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const binunicode = (s: string) => [0x58, ...u32(Buffer.byteLength(s)), ...Buffer.from(s)];
const binint = (n: number) => [0x4a, ...u32(n)];
const tuple = (xs: number[]) => [0x28, ...xs.flatMap(binint), 0x74];

export interface PickleSpec {
  storage?: string;
  key?: string;
  numel: number;
  shape: number[];
  stride?: number[];
  offset?: number;
}

/**
 * data.pkl of torch.save(tensor):
 * _rebuild_tensor_v2(('storage', torch.<storage>, key, 'cpu', numel), offset, shape, stride, False, OrderedDict()).
 */
export function tensorPickle(spec: PickleSpec): Uint8Array {
  const stride = spec.stride ?? spec.shape.map((_, i) => spec.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return Uint8Array.from([
    0x80, 0x02,
    0x63, ...ascii('torch._utils\n_rebuild_tensor_v2\n'),
    0x28,
    0x28, ...binunicode('storage'), 0x63, ...ascii(`torch\n${spec.storage ?? 'FloatStorage'}\n`),
    ...binunicode(spec.key ?? '0'), ...binunicode('cpu'), ...binint(spec.numel), 0x74,
    0x51,
    ...binint(spec.offset ?? 0),
    ...tuple(spec.shape),
    ...tuple(stride),
    0x89,
    0x63, ...ascii('collections\nOrderedDict\n'), 0x29, 0x52,
    0x74,
    0x52,
    0x2e,
  ]);
}

export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A ZIP archive with the given entries (no data descriptors; sizes in both headers). */
export function zip(entries: ReadonlyArray<{ name: string; data: Uint8Array; deflate?: boolean }>): Uint8Array {
  const locals: number[] = [];
  const central: number[] = [];
  for (const e of entries) {
    const body = e.deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const name = Buffer.from(e.name);
    const common = [
      ...u16(20), ...u16(0), ...u16(e.deflate ? 8 : 0), ...u16(0), ...u16(0),
      ...u32(crc32(e.data)), ...u32(body.length), ...u32(e.data.length), ...u16(name.length),
    ];
    const offset = locals.length;
    locals.push(...u32(0x04034b50), ...common, ...u16(0), ...name, ...body);
    central.push(...u32(0x02014b50), ...u16(20), ...common, ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offset), ...name);
  }
  const eocd = [
    ...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(entries.length), ...u16(entries.length),
    ...u32(central.length), ...u32(locals.length), ...u16(0),
  ];
  return Uint8Array.from([...locals, ...central, ...eocd]);
}

/** A torch.save-like archive of one float32 tensor. */
export function torchArchive(values: ArrayLike<number>, shape: number[], opts: { stem?: string; deflate?: boolean } = {}): Uint8Array {
  const stem = opts.stem ?? 'archive';
  return zip([
    { name: `${stem}/data.pkl`, data: tensorPickle({ numel: values.length, shape }), deflate: opts.deflate },
    { name: `${stem}/data/0`, data: float32Bytes(values), deflate: opts.deflate },
    { name: `${stem}/version`, data: Buffer.from('3\n') },
  ]);
}

/** A safetensors file with a hand-written header (for lying headers and non-F32 dtypes). */
export function rawSafetensors(header: unknown, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The error code `fn` throws (or a description of an uncoded failure), undefined when it does not throw. */
export const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? `uncoded ${(err as Error).name}: ${(err as Error).message}`;
  }
};
