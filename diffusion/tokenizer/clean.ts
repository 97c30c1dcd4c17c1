/**
 * Text clean-up and pre-tokenisation of CLIP (`basic_clean` + `whitespace_clean` + the split regex of
 * openai/CLIP simple_tokenizer.py), keeping a map from every cleaned character back to the caller's text so that
 * words can be highlighted where the user typed them.
 *
 * What the clean-up does, and deliberately does not do:
 * - Unicode NFC normalisation (ftfy's `fix_text` default), so "cafe\u0301" and "café" tokenise alike. It is applied
 *   per grapheme cluster, which is where composition happens, so offsets stay exact.
 * - Every run of whitespace becomes one space; leading and trailing whitespace is removed.
 * - Lower-casing (CLIP's vocabulary is lower-case) unless the config says `do_lower_case: false`.
 * - NO HTML unescaping: CLIP's reference runs `html.unescape` twice, so "&amp;" would silently become "&". A prompt
 *   is not HTML; here "&amp;" stays five characters. NO mojibake repair (the rest of ftfy).
 * - The literal strings "<|startoftext|>" and "<|endoftext|>" in a prompt stay special tokens, as in CLIP.
 */

/** CLIP's pre-tokenisation pattern (simple_tokenizer.py, compiled there with re.IGNORECASE). */
export const CLIP_SPLIT_PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

const WHITESPACE = /^\s+$/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export interface CleanedText {
  /** The text BPE sees. */
  readonly text: string;
  /** For every UTF-16 unit of `text`: [start, end) of the source grapheme (or whitespace run) in the original. */
  readonly origStart: readonly number[];
  readonly origEnd: readonly number[];
}

/**
 * Grapheme clusters of `text` with their offsets, window by window. Intl.Segmenter's iterator costs time
 * proportional to the string for each step in V8 (a 64,000-character prompt took 2.6 s), so the text is segmented
 * in windows of about WINDOW units that end at whitespace not followed by a combining mark: a cluster never spans
 * such a boundary, so the clusters are the same as over the whole string.
 */
function* graphemeSegments(text: string): Generator<{ segment: string; index: number }> {
  let start = 0;
  while (start < text.length) {
    let end = text.length;
    if (text.length - start > WINDOW) {
      BOUNDARY.lastIndex = start + WINDOW;
      const match = BOUNDARY.exec(text);
      if (match) end = match.index + 1;
    }
    for (const { segment, index } of graphemes.segment(text.slice(start, end))) yield { segment, index: start + index };
    start = end;
  }
}

const WINDOW = 256;
/** Whitespace whose next character is not a combining mark (a mark would join the space's cluster). */
const BOUNDARY = /\s(?!\p{M})/gu;

export function cleanText(original: string, lowerCase = true): CleanedText {
  let text = '';
  const origStart: number[] = [];
  const origEnd: number[] = [];
  let spaceFrom = -1; // start of a pending whitespace run, emitted only if a non-space follows
  for (const { segment, index } of graphemeSegments(original)) {
    if (WHITESPACE.test(segment)) {
      if (text.length > 0 && spaceFrom < 0) spaceFrom = index;
      continue;
    }
    if (spaceFrom >= 0) {
      text += ' ';
      origStart.push(spaceFrom);
      origEnd.push(index);
      spaceFrom = -1;
    }
    const nfc = segment.normalize('NFC');
    const out = lowerCase ? nfc.toLowerCase() : nfc;
    text += out;
    for (let k = 0; k < out.length; k++) {
      origStart.push(index);
      origEnd.push(index + segment.length);
    }
  }
  return { text, origStart, origEnd };
}

/** One pre-token: the unit BPE runs on, and the unit words and phrases are matched on. */
export interface Piece {
  /** Cleaned (normalised, lower-cased) text of the piece. */
  readonly text: string;
  /** [charStart, charEnd) in the ORIGINAL text, UTF-16 offsets. */
  readonly charStart: number;
  readonly charEnd: number;
}

export function splitPieces(cleaned: CleanedText): Piece[] {
  const pieces: Piece[] = [];
  for (const m of cleaned.text.matchAll(CLIP_SPLIT_PATTERN)) {
    const start = m.index ?? 0;
    const last = start + m[0].length - 1;
    pieces.push({ text: m[0], charStart: cleaned.origStart[start], charEnd: cleaned.origEnd[last] });
  }
  return pieces;
}

/** The cleaned pieces of a text, without offsets (used to match phrases). */
export function pieceTexts(text: string, lowerCase = true): string[] {
  return splitPieces(cleanText(text, lowerCase)).map((p) => p.text);
}
