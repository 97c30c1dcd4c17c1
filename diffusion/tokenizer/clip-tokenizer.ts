/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer.py, as shipped in Stable Diffusion `tokenizer/`
 * folders), with per-word token positions and fixed or adaptive sequence lengths.
 *
 *   text -> cleanText (NFC, whitespace, lower-case) -> CLIP split regex -> UTF-8 bytes -> byte symbols
 *        -> BPE merges by rank (`</w>` on the last symbol) -> vocab ids -> packPrompt (chunks, BOS/EOS, padding)
 */
import { ModelError } from '../errors';
import { BpeModel, END_OF_WORD } from './bpe';
import { CHAR_TO_BYTE } from './bytes';
import { packPrompt } from './chunks';
import { cleanText, splitPieces, type Piece } from './clean';
import { TOKENIZER_CODES } from './codes';
import type { TokenizeOptions, Tokenized } from './types';
import { padToChunkLengths } from './unconditional';
import { parseMerges, parseVocab, resolveConfig, type ClipTokenizerConfig } from './vocab';

/** The parsed contents of a tokenizer folder (see loadClipTokenizer for reading them from disk). */
export interface ClipTokenizerFiles {
  /** Parsed vocab.json. */
  readonly vocab: unknown;
  /** merges.txt text (with or without its "#version" header), or the pairs in rank order. */
  readonly merges: string | ReadonlyArray<readonly [string, string]>;
  /** Parsed special_tokens_map.json (optional). */
  readonly specialTokensMap?: unknown;
  /** Parsed tokenizer_config.json (optional). */
  readonly tokenizerConfig?: unknown;
  /** Where the data came from, for error messages. */
  readonly source?: string;
}

/** Literal special tokens CLIP's split regex keeps whole; they map straight to their ids. */
const LITERAL_SPECIALS = ['<|startoftext|>', '<|endoftext|>'];

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

export interface EncodedPiece {
  readonly piece: Piece;
  readonly ids: readonly number[];
}

/**
 * Longest prompt tokenised (about 270 chunks of 77 tokens). BPE merges within one pre-token take time quadratic in
 * its length, so this also bounds a hostile one-word prompt (20,000 letters: about 0.3 s).
 */
export const MAX_PROMPT_CHARS = 20_000;

export class ClipTokenizer {
  readonly config: ClipTokenizerConfig;
  readonly source: string;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly tokens: ReadonlyMap<number, string>;
  private readonly bpe: BpeModel;

  constructor(files: ClipTokenizerFiles) {
    this.source = files.source ?? 'the tokenizer data';
    this.vocab = parseVocab(files.vocab, this.source);
    this.tokens = new Map([...this.vocab].map(([token, id]) => [id, token]));
    this.bpe = new BpeModel(parseMerges(files.merges, this.vocab, this.source));
    this.config = resolveConfig(files.specialTokensMap, files.tokenizerConfig, this.vocab, this.source);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokens.get(id);
  }

  /** Every pre-token of the text with its ids (no BOS/EOS, no padding). */
  encodePieces(text: string): EncodedPiece[] {
    return splitPieces(cleanText(text, this.config.lowerCase)).map((piece) => ({ piece, ids: this.pieceIds(piece.text) }));
  }

  /** Content ids of a text, without BOS/EOS. */
  encode(text: string): number[] {
    return this.encodePieces(text).flatMap((p) => p.ids);
  }

  tokenize(prompt: string, options: TokenizeOptions = { mode: 'fixed' }): Tokenized {
    if (options.mode !== 'fixed' && options.mode !== 'adaptive') {
      const mode = (options as { mode?: unknown }).mode;
      throw new ModelError(TOKENIZER_CODES.options, `Expected mode 'fixed' or 'adaptive' but received ${JSON.stringify(mode)}.`);
    }
    if (prompt.length > MAX_PROMPT_CHARS) {
      throw new ModelError(TOKENIZER_CODES.promptTextTooLong, `Expected a prompt of at most ${MAX_PROMPT_CHARS} characters but received ${prompt.length}.`, {
        hint: 'A prompt is a sentence or a paragraph; long prompts are split into 77-token chunks, but not without limit.',
      });
    }
    const pieces = this.encodePieces(prompt);
    const special = { bos: this.config.bos.id, eos: this.config.eos.id, pad: this.config.pad.id };
    const packed = packPrompt(pieces.map((p) => p.ids), options, { ...special, modelMaxLength: this.config.modelMaxLength });
    const ids = packed.chunks.flat();
    return {
      prompt,
      ids,
      chunks: packed.chunks,
      length: ids.length,
      words: pieces.map(({ piece }, w) => ({ ...piece, tokenPositions: packed.positions[w] })),
      special,
      modelMaxLength: this.config.modelMaxLength,
      lowerCase: this.config.lowerCase,
    };
  }

  /**
   * The unconditional prompt of a CFG batch: `negativePrompt` ("" by default) tokenized adaptively and padded with
   * the pad id to the chunk lengths of `conditional`. Throws E_TOKENIZER_LENGTH when the negative prompt needs more
   * room than the conditional one; alignBatch() grows both instead.
   */
  unconditional(conditional: Tokenized, negativePrompt = ''): Tokenized {
    return padToChunkLengths(this.tokenize(negativePrompt, { mode: 'adaptive' }), conditional.chunks.map((c) => c.length));
  }

  /**
   * Text of a sequence of ids. With `skipSpecial` (default) BOS and EOS are dropped, and so is everything after an
   * EOS up to the next BOS: that is padding, whichever pad id the model uses ("!" for SD 2). Each `</w>` becomes a
   * space, so "a cat, a dog!" decodes to "a cat , a dog !" (CLIP does not record whether a space was there).
   */
  decode(ids: readonly number[], { skipSpecial = true }: { skipSpecial?: boolean } = {}): string {
    const bytes: number[] = [];
    let inPadding = false;
    for (const id of ids) {
      if (skipSpecial && id === this.config.bos.id) {
        inPadding = false;
        continue;
      }
      if (skipSpecial && id === this.config.eos.id) {
        inPadding = true;
        continue;
      }
      if (inPadding) continue;
      const token = this.tokens.get(id);
      if (token === undefined) {
        throw new ModelError(TOKENIZER_CODES.idUnknown, `Expected token ids in [0, ${this.vocab.size}) for ${this.source} ` +
          `but received ${id}.`, {
          hint: 'These ids were produced by a different tokenizer.',
        });
      }
      const endsWord = token.endsWith(END_OF_WORD);
      const body = endsWord ? token.slice(0, -END_OF_WORD.length) : token;
      for (const ch of body) {
        const b = CHAR_TO_BYTE.get(ch);
        if (b !== undefined) bytes.push(b);
        else bytes.push(...utf8Encoder.encode(ch));
      }
      if (endsWord) bytes.push(0x20);
    }
    // Bytes that are not valid UTF-8 (a split multi-byte character) become U+FFFD, like CLIP's errors="replace".
    return utf8Decoder.decode(new Uint8Array(bytes)).trimEnd();
  }

  private pieceIds(piece: string): number[] {
    if (LITERAL_SPECIALS.includes(piece) && this.vocab.has(piece)) return [this.vocab.get(piece) as number];
    // A symbol missing from a small project vocabulary becomes unk rather than failing the whole prompt.
    return this.bpe.encode(piece).map((symbol) => this.vocab.get(symbol) ?? this.config.unk.id);
  }
}
