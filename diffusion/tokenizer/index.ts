/** Public surface of the CLIP tokenizer. */
export { ClipTokenizer, type ClipTokenizerFiles, type EncodedPiece } from './clip-tokenizer';
export { loadClipTokenizer, TOKENIZER_FILES } from './load';
export { findPhrase, type PhraseOccurrence } from './phrase';
export { alignBatch, chunkLengths, padToChunkLengths } from './unconditional';
export { TOKENIZER_CODES } from './codes';
export { CLIP_MODEL_MAX_LENGTH, type ClipTokenizerConfig, type SpecialToken } from './vocab';
export type { TokenizeOptions, Tokenized, TokenizedWord } from './types';
