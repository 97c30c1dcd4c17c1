/** Output types of the CLIP tokenizer, shared by the tokenizer, phrase lookup and unconditional padding. */

/**
 * How a prompt becomes encoder input.
 * - fixed: the reference behaviour, every chunk padded to model_max_length (77). A prompt over 75 tokens
 *   throws E_PROMPT_TOO_LONG (`overflow: 'error'`, the default: silently dropping words is never right),
 *   is cut to 75 tokens like transformers does (`'truncate'`), or is split into 77-token chunks (`'chunk'`).
 * - adaptive: each chunk is [BOS, tokens..., EOS] with no padding (report improvement 1), optionally padded up to a
 *   multiple of `multipleOf` (never beyond model_max_length). Long prompts are always chunked, never truncated.
 */
export type TokenizeOptions =
  | { readonly mode: 'fixed'; readonly overflow?: 'error' | 'truncate' | 'chunk' }
  | { readonly mode: 'adaptive'; readonly multipleOf?: number };

export interface TokenizedWord {
  /** The pre-token as BPE saw it: normalised and lower-cased (`prompt.slice(charStart, charEnd)` is the original). */
  readonly text: string;
  /** [charStart, charEnd) in the original prompt, UTF-16 offsets. */
  readonly charStart: number;
  readonly charEnd: number;
  /** Absolute positions in `ids` (BOS of chunk 0 is 0). Empty if the word was truncated away. */
  readonly tokenPositions: readonly number[];
}

export interface Tokenized {
  readonly prompt: string;
  /** All chunks concatenated: the sequence axis of the concatenated encoder outputs. */
  readonly ids: readonly number[];
  /** One entry per encoder call; each is [BOS, tokens..., EOS, pad...] and at most model_max_length long. */
  readonly chunks: readonly (readonly number[])[];
  /** ids.length */
  readonly length: number;
  /** One entry per pre-token (CLIP's split: letter runs, single digits, punctuation runs, contractions). */
  readonly words: readonly TokenizedWord[];
  /** Ids needed to pad or extend this sequence without the tokenizer. */
  readonly special: { readonly bos: number; readonly eos: number; readonly pad: number };
  readonly modelMaxLength: number;
  /** Whether the text was lower-cased (do_lower_case), so phrases are cleaned the same way. */
  readonly lowerCase: boolean;
}
