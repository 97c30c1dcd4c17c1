import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { ModelError } from '../errors';

/**
 * PNG text chunks (PNG spec 1.2, section 11.3.4): provenance travels inside the image, so a PNG made by a graph
 * can be dropped back onto the editor to restore that graph. Written as iTXt (UTF-8; compressed when large),
 * read from tEXt, zTXt and iTXt. Chunk layout: length (u32 BE) | type (4 ASCII) | data | CRC-32 of type+data.
 */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Text above this size is deflated (iTXt compression flag 1). */
const COMPRESS_ABOVE_BYTES = 1024;

interface Chunk {
  type: string;
  data: Buffer;
  /** offset of the chunk's length field */
  start: number;
  end: number;
}

function chunks(png: Buffer): Chunk[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new ModelError('E_PNG_INVALID', 'Expected a PNG file (signature 89 50 4E 47) but received other bytes.', {
      hint: 'Use a PNG written by cones-graph.',
    });
  }
  const out: Chunk[] = [];
  let at = 8;
  while (at + 12 <= png.length) {
    const len = png.readUInt32BE(at);
    const end = at + 12 + len;
    if (end > png.length) {
      throw new ModelError('E_PNG_INVALID', `PNG chunk at byte ${at} claims ${len} bytes but the file ends first (truncated file?).`);
    }
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + len), start: at, end });
    at = end;
  }
  if (at !== png.length) {
    throw new ModelError('E_PNG_INVALID', `PNG ends with ${png.length - at} stray byte(s) after the last whole chunk (truncated file?).`);
  }
  return out;
}

function makeChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** iTXt data: keyword \0 compressionFlag compressionMethod languageTag \0 translatedKeyword \0 text */
function itxt(keyword: string, text: string): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  const compressed = utf8.length > COMPRESS_ABOVE_BYTES;
  return makeChunk('iTXt', Buffer.concat([
    Buffer.from(keyword, 'latin1'), Buffer.from([0, compressed ? 1 : 0, 0, 0, 0]),
    compressed ? deflateSync(utf8) : utf8,
  ]));
}

/** Returns a copy of `png` with the given text entries inserted right after IHDR (replacing same-keyword entries). */
export function writePngText(png: Buffer, entries: Record<string, string>): Buffer {
  const all = chunks(png);
  if (all[0]?.type !== 'IHDR') throw new ModelError('E_PNG_INVALID', 'Expected IHDR as the first PNG chunk.');
  for (const key of Object.keys(entries)) {
    if (!/^[\x20-\x7e]{1,79}$/.test(key)) {
      throw new ModelError('E_PNG_TEXT_KEY', `Expected a PNG text keyword of 1-79 printable Latin-1 characters but received "${key}".`);
    }
  }
  const replaced = new Set(Object.keys(entries));
  const kept = all.filter((c) => !(['tEXt', 'iTXt', 'zTXt'].includes(c.type) && replaced.has(keywordOf(c.data))));
  const parts: Buffer[] = [PNG_SIGNATURE];
  for (const c of kept) {
    parts.push(png.subarray(c.start, c.end));
    if (c.type === 'IHDR') for (const [k, v] of Object.entries(entries)) parts.push(itxt(k, v));
  }
  return Buffer.concat(parts);
}

function keywordOf(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString('latin1', 0, nul === -1 ? data.length : nul);
}

/** A compressed text entry may inflate to at most this many bytes (a zTXt "bomb" of a few KB could claim GBs). */
export const MAX_PNG_TEXT_BYTES = 16 * 2 ** 20;

/** Every text entry of a PNG (tEXt, zTXt, iTXt), keyword -> text. */
export function readPngText(png: Buffer): Record<string, string> {
  const inflate = (data: Buffer): Buffer => inflateSync(data, { maxOutputLength: MAX_PNG_TEXT_BYTES });
  const out: Record<string, string> = {};
  for (const c of chunks(png)) {
    const nul = c.data.indexOf(0);
    if (nul < 0) continue;
    const key = c.data.toString('latin1', 0, nul);
    try {
      if (c.type === 'tEXt') out[key] = c.data.toString('latin1', nul + 1);
      else if (c.type === 'zTXt') out[key] = inflate(c.data.subarray(nul + 2)).toString('latin1');
      else if (c.type === 'iTXt') {
        const compressed = c.data[nul + 1] === 1;
        const langEnd = c.data.indexOf(0, nul + 3);
        const transEnd = c.data.indexOf(0, langEnd + 1);
        const body = c.data.subarray(transEnd + 1);
        out[key] = (compressed ? inflate(body) : body).toString('utf8');
      }
    } catch (err) {
      throw new ModelError('E_PNG_INVALID', `PNG text entry "${key}" is corrupt: ${(err as Error).message}.`);
    }
  }
  return out;
}
