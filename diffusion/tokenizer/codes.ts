import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by the CLIP tokenizer, each thrown as a `ModelError`. */
export const TOKENIZER_ERRORS = {
  E_TOKENIZER_FILES_MISSING: { summary: 'A file of the Stable Diffusion `tokenizer/` folder is absent or unreadable.' },
  E_TOKENIZER_VOCAB_INVALID: {
    summary: 'vocab.json is not an object of token -> unique non-negative integer id, or lacks one of the 256 byte-level symbols.',
  },
  E_TOKENIZER_MERGES_INVALID: { summary: 'A merges.txt line is not two space-separated symbols.' },
  E_TOKENIZER_CONFIG_INVALID: { summary: 'A tokenizer config file is not a JSON object, or model_max_length is unusable.' },
  E_TOKENIZER_SPECIAL_TOKEN: { summary: 'A BOS/EOS/pad/unk token named by the config is not in the vocabulary.' },
  E_PROMPT_TOO_LONG: { summary: 'Fixed mode with `overflow: \'error\'` and more than model_max_length - 2 tokens.' },
  E_PROMPT_TEXT_TOO_LONG: { summary: 'A prompt of more than 20,000 characters (far beyond any useful prompt); refused before tokenising.' },
  E_TOKENIZER_ID_UNKNOWN: { summary: 'decode() received an id that is not in the vocabulary.' },
  E_TOKENIZER_OPTIONS: { summary: 'tokenize() received an unknown mode or overflow, or a bad multipleOf.' },
  E_TOKENIZER_LENGTH: { summary: 'A (negative) prompt does not fit the chunk lengths it must be padded to.' },
  E_PHRASE_NOT_IN_PROMPT: { summary: 'A phrase (residual or layout subject) does not occur as whole words in the prompt.' },
  E_PHRASE_OCCURRENCE: { summary: 'A phrase occurrence index is beyond the occurrences the prompt has.' },
} as const satisfies CodeTable;

export type TokenizerErrorCode = keyof typeof TOKENIZER_ERRORS;

/** Short names used at the throw sites. */
export const TOKENIZER_CODES = {
  filesMissing: 'E_TOKENIZER_FILES_MISSING',
  vocabInvalid: 'E_TOKENIZER_VOCAB_INVALID',
  mergesInvalid: 'E_TOKENIZER_MERGES_INVALID',
  configInvalid: 'E_TOKENIZER_CONFIG_INVALID',
  specialToken: 'E_TOKENIZER_SPECIAL_TOKEN',
  promptTooLong: 'E_PROMPT_TOO_LONG',
  promptTextTooLong: 'E_PROMPT_TEXT_TOO_LONG',
  idUnknown: 'E_TOKENIZER_ID_UNKNOWN',
  options: 'E_TOKENIZER_OPTIONS',
  length: 'E_TOKENIZER_LENGTH',
  phraseNotInPrompt: 'E_PHRASE_NOT_IN_PROMPT',
  phraseOccurrence: 'E_PHRASE_OCCURRENCE',
} as const satisfies Record<string, TokenizerErrorCode>;
