/**
 * Reads a model's metadata_props (ModelProto field 14) without decoding the graph. A UNet with inline
 * weights is ~1.7 GB; checking whether a patched copy is current must not cost a full parse, so this
 * walks the top-level protobuf fields and seeks over everything else.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema } from 'onnx-buf';

const METADATA_FIELD = 14;
const WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5;

export function readModelMetadata(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(20); // a tag varint plus a length varint fit in 20 bytes
    let pos = 0;
    for (;;) {
      const got = readSync(fd, head, 0, head.length, pos);
      if (got === 0) break;
      let at = 0;
      const varint = (): number => {
        let value = 0, mul = 1;
        for (;;) {
          if (at >= got) throw new Error('truncated varint');
          const byte = head[at++];
          value += (byte & 0x7f) * mul;
          if (!(byte & 0x80)) return value;
          mul *= 128;
        }
      };
      const tag = varint();
      const field = Math.floor(tag / 8), wire = tag & 7;
      if (wire === WIRE_VARINT) { varint(); pos += at; continue; }
      if (wire === WIRE_I64) { pos += at + 8; continue; }
      if (wire === WIRE_I32) { pos += at + 4; continue; }
      if (wire !== WIRE_LEN) throw new Error(`unexpected wire type ${wire}`);
      const length = varint();
      if (field === METADATA_FIELD) {
        const bytes = Buffer.alloc(length);
        readSync(fd, bytes, 0, length, pos + at);
        const entry = fromBinary(StringStringEntryProtoSchema, bytes);
        out.set(entry.key, entry.value);
      }
      pos += at + length;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
