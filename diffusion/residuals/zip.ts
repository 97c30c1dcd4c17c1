/**
 * A minimal ZIP reader (PKWARE APPNOTE.TXT, sections 4.3 and 4.5) for PyTorch archives: entries are found through the
 * central directory, because torch writes data descriptors (flag bit 3) and leaves sizes in local headers at zero;
 * ZIP64 records are followed when a 32-bit field is saturated. STORED and DEFLATE entries are supported, and every
 * entry's CRC-32 is checked. Nothing is extracted to disk.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { ModelError } from '../errors';
import { RESIDUAL_CODES } from './codes';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EXTRA_ID = 0x0001;
const SATURATED_16 = 0xffff;
const SATURATED_32 = 0xffffffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04] as const;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Decompressed, CRC-checked contents. */
  read(): Uint8Array;
}

export function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

export function readZipEntries(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string) => new ModelError(RESIDUAL_CODES.corrupt,
    `Expected a valid zip archive (PyTorch .pt) at ${source} but ${what}.`, {
      hint: 'The file is truncated or damaged: copy or re-save it.',
    });
  const endsInside = (at: number) => fail(corrupt(`it ends inside a record at byte ${at}`));
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : endsInside(at));
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : endsInside(at));
  const u64 = (at: number) => (at + 8 <= bytes.length ? Number(view.getBigUint64(at, true)) : endsInside(at));

  const eocd = findEndOfCentralDirectory(bytes, view);
  if (eocd < 0) throw corrupt('it has no end-of-central-directory record (truncated?)');
  let count = u16(eocd + 10);
  let dirOffset = u32(eocd + 16);
  if (count === SATURATED_16 || dirOffset === SATURATED_32) {
    const locator = eocd - ZIP64_LOCATOR_BYTES;
    if (locator < 0 || u32(locator) !== SIG_ZIP64_LOCATOR) throw corrupt('its ZIP64 locator is missing');
    const zip64 = u64(locator + 8);
    if (u32(zip64) !== SIG_ZIP64_EOCD) throw corrupt('its ZIP64 end-of-central-directory record is missing');
    count = u64(zip64 + 32);
    dirOffset = u64(zip64 + 48);
  }

  const entries = new Map<string, ZipEntry>();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== SIG_CENTRAL) throw corrupt(`central directory entry ${i} at byte ${at} has a bad signature`);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    if (at + 46 + nameLength > bytes.length) throw corrupt('a file name runs past the end');
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // ZIP64 extra field: 64-bit values, present only for the fields saturated above, in this order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === ZIP64_EXTRA_ID) {
        let f = e + 4;
        if (size === SATURATED_32) (size = u64(f)), (f += 8);
        if (compressedSize === SATURATED_32) (compressedSize = u64(f)), (f += 8);
        if (localOffset === SATURATED_32) localOffset = u64(f);
      }
      e += 4 + len;
    }
    at += 46 + nameLength + extraLength + commentLength;
    const dataStart = () => {
      if (u32(localOffset) !== SIG_LOCAL) throw corrupt(`the local header of ${name} has a bad signature`);
      return localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    };
    entries.set(name, {
      name,
      method,
      compressedSize,
      size,
      read: () => {
        const start = dataStart();
        if (start + compressedSize > bytes.length) {
          throw corrupt(`entry ${name} needs ${compressedSize} bytes at ${start} but the file has ${bytes.length}`);
        }
        const raw = bytes.subarray(start, start + compressedSize);
        let out: Uint8Array;
        if (method === METHOD_STORED) out = raw;
        else if (method === METHOD_DEFLATE) out = inflate(raw, size, name, corrupt);
        else {
          throw new ModelError(RESIDUAL_CODES.format, `Expected STORED or DEFLATE zip entries in ${source} ` +
            `but ${name} uses method ${method}.`, {
            hint: 'Re-save the tensor with torch.save.',
          });
        }
        if (out.length !== size) throw corrupt(`entry ${name} holds ${out.length} bytes where the directory says ${size}`);
        if (crc32(out) >>> 0 !== crc) throw corrupt(`entry ${name} fails its CRC-32 check`);
        return out;
      },
    });
  }
  return entries;
}

function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
  const lowest = Math.max(0, bytes.length - EOCD_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - EOCD_BYTES; at >= lowest; at--) {
    if (view.getUint32(at, true) === SIG_EOCD) return at;
  }
  return -1;
}

function inflate(raw: Uint8Array, size: number, name: string, corrupt: (what: string) => ModelError): Uint8Array {
  try {
    // Capped at the size the directory promises (+1 to notice a lie), so a crafted entry cannot exhaust memory.
    return inflateRawSync(raw, { maxOutputLength: size + 1 });
  } catch (err) {
    throw corrupt(`entry ${name} does not inflate (${(err as Error).message})`);
  }
}

function fail(err: Error): never {
  throw err;
}
