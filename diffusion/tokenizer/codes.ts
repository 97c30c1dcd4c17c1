/**
 * Error codes raised by the CLIP tokenizer (every one is thrown as a `ModelError`):
 *
 * - E_TOKENIZER_FILES_MISSING  a file of the Stable Diffusion `tokenizer/` folder is absent or unreadable.
 * - E_TOKENIZER_VOCAB_INVALID  vocab.json is not an object of token -> unique non-negative integer id,
 *                              or lacks one of the 256 byte-level symbols.
 * - E_TOKENIZER_MERGES_INVALID a merges.txt line is not two space-separated symbols.
 * - E_TOKENIZER_CONFIG_INVALID a config file is not JSON, or model_max_length is unusable.
 * - E_TOKENIZER_SPECIAL_TOKEN  a BOS/EOS/pad/unk token named by the config is not in the vocabulary.
 * - E_PROMPT_TOO_LONG          fixed mode with `overflow: 'error'` and more than model_max_length - 2 tokens.
 * - E_TOKENIZER_ID_UNKNOWN    decode() received an id that is not in the vocabulary.
 * - E_TOKENIZER_OPTIONS       tokenize() received an unknown mode/overflow or a bad multipleOf.
 * - E_TOKENIZER_LENGTH         a prompt does not fit the chunk lengths it must be padded to.
 * - E_PHRASE_NOT_IN_PROMPT     findPhrase found no whole-word occurrence of the phrase.
 * - E_PHRASE_OCCURRENCE        findPhrase was asked for an occurrence index the prompt does not have.
 */
export const TOKENIZER_CODES = {
  filesMissing: 'E_TOKENIZER_FILES_MISSING',
  vocabInvalid: 'E_TOKENIZER_VOCAB_INVALID',
  mergesInvalid: 'E_TOKENIZER_MERGES_INVALID',
  configInvalid: 'E_TOKENIZER_CONFIG_INVALID',
  specialToken: 'E_TOKENIZER_SPECIAL_TOKEN',
  promptTooLong: 'E_PROMPT_TOO_LONG',
  idUnknown: 'E_TOKENIZER_ID_UNKNOWN',
  options: 'E_TOKENIZER_OPTIONS',
  length: 'E_TOKENIZER_LENGTH',
  phraseNotInPrompt: 'E_PHRASE_NOT_IN_PROMPT',
  phraseOccurrence: 'E_PHRASE_OCCURRENCE',
} as const;
