/**
 * GPT-2's reversible byte -> printable character table (`bytes_to_unicode`), which CLIP reuses so that every UTF-8
 * byte has a visible, non-whitespace symbol in vocab.json and BPE never sees a raw control byte or space.
 * Printable Latin-1 bytes keep their own code point; the 68 others are moved, in byte order, to U+0100 onwards.
 * The table order is also the order of the first 256 vocabulary entries of CLIP's vocabulary.
 */

/** Byte ranges that map to themselves: '!'..'~', '¡'..'¬', '®'..'ÿ'. */
const SELF_MAPPED_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x21, 0x7e],
  [0xa1, 0xac],
  [0xae, 0xff],
];
/** First code point used for the bytes that are not printable (GPT-2 uses 2^8). */
const SHIFTED_BASE = 256;

function buildTables(): { byteToChar: string[]; orderedBytes: number[] } {
  const byteToChar: string[] = new Array(256);
  const orderedBytes: number[] = [];
  for (const [lo, hi] of SELF_MAPPED_RANGES) {
    for (let b = lo; b <= hi; b++) {
      byteToChar[b] = String.fromCharCode(b);
      orderedBytes.push(b);
    }
  }
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (byteToChar[b] === undefined) {
      byteToChar[b] = String.fromCharCode(SHIFTED_BASE + shifted++);
      orderedBytes.push(b);
    }
  }
  return { byteToChar, orderedBytes };
}

const tables = buildTables();

/** BYTE_TO_CHAR[b] is the symbol of byte b. */
export const BYTE_TO_CHAR: readonly string[] = tables.byteToChar;

/** The 256 byte symbols in vocabulary order (CLIP ids 0..255; `symbol + '</w>'` are ids 256..511). */
export const BYTE_SYMBOLS_IN_VOCAB_ORDER: readonly string[] = tables.orderedBytes.map((b) => tables.byteToChar[b]);

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(tables.byteToChar.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** The byte-level symbols of a text: one symbol per UTF-8 byte. */
export function textToByteSymbols(text: string): string[] {
  return Array.from(utf8.encode(text), (b) => BYTE_TO_CHAR[b]);
}
