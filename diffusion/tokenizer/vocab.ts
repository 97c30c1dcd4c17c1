/**
 * Validation of the parsed contents of a Stable Diffusion `tokenizer/` folder: vocab.json, merges.txt,
 * special_tokens_map.json and tokenizer_config.json. Pure functions of already-read data (see load.ts for files).
 */
import { ModelError } from '../errors';
import { BYTE_SYMBOLS_IN_VOCAB_ORDER } from './bytes';
import { TOKENIZER_CODES } from './codes';

/** CLIP's context length, used when tokenizer_config.json has none (openai/CLIP `context_length`). */
export const CLIP_MODEL_MAX_LENGTH = 77;
/** transformers writes int(1e30) for "no limit"; anything this large is not a real context length. */
const UNSET_MAX_LENGTH_THRESHOLD = 1e6;
/** Defaults of transformers' CLIPTokenizer when a config names no token. */
const DEFAULT_TOKENS = { bos: '<|startoftext|>', eos: '<|endoftext|>', pad: '<|endoftext|>', unk: '<|endoftext|>' };

export interface SpecialToken {
  readonly token: string;
  readonly id: number;
}

export interface ClipTokenizerConfig {
  readonly bos: SpecialToken;
  readonly eos: SpecialToken;
  /** SD 1.x: "<|endoftext|>" (49407); SD 2.x: "!" (0). Padded positions reach the UNet, so this matters. */
  readonly pad: SpecialToken;
  /** Used only for a final symbol missing from a (tiny, project-trained) vocabulary. */
  readonly unk: SpecialToken;
  /** Sequence length of one encoder call, BOS and EOS included (77 for CLIP). */
  readonly modelMaxLength: number;
  readonly lowerCase: boolean;
}

export function parseVocab(raw: unknown, source: string): Map<string, number> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelError(TOKENIZER_CODES.vocabInvalid, `Expected vocab.json in ${source} to be an object of token -> id ` +
      `but received ${Array.isArray(raw) ? 'an array' : typeof raw}.`, {
      hint: 'Re-export the tokenizer folder with transformers (CLIPTokenizer.save_pretrained).',
    });
  }
  const vocab = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [token, id] of Object.entries(raw)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new ModelError(TOKENIZER_CODES.vocabInvalid, `Expected a non-negative integer id for token ${JSON.stringify(token)} ` +
        `in ${source}/vocab.json but received ${JSON.stringify(id)}.`, {
        hint: 'The vocabulary file is corrupt: re-download or re-export it.',
      });
    }
    const other = seen.get(id);
    if (other !== undefined) {
      throw new ModelError(TOKENIZER_CODES.vocabInvalid, `Expected unique ids in ${source}/vocab.json ` +
        `but tokens ${JSON.stringify(other)} and ${JSON.stringify(token)} both have id ${id}.`, {
        hint: 'The vocabulary file is corrupt: re-download or re-export it.',
      });
    }
    seen.set(id, token);
    vocab.set(token, id);
  }
  const missing = BYTE_SYMBOLS_IN_VOCAB_ORDER.filter((s) => !vocab.has(s));
  if (missing.length > 0) {
    const examples = missing.slice(0, 5).map((s) => JSON.stringify(s)).join(', ');
    throw new ModelError(TOKENIZER_CODES.vocabInvalid, `Expected all 256 byte-level symbols in ${source}/vocab.json ` +
      `(a byte-level BPE must be able to spell any text) but ${missing.length} are missing, e.g. ${examples}.`, {
      hint: 'This is not a CLIP/GPT-2 byte-level vocabulary; use the tokenizer folder shipped with the model.',
    });
  }
  return vocab;
}

/**
 * Merge pairs in rank order. The first line of merges.txt is a "#version" header. Pairs whose merged symbol is not
 * in the vocabulary are dropped: they can never produce an id (CLIP's own loader slices the merge list to the
 * vocabulary size for the same reason).
 */
export function parseMerges(
  raw: string | ReadonlyArray<readonly [string, string]>, vocab: ReadonlyMap<string, number>, source: string,
): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [];
  if (typeof raw === 'string') {
    const lines = raw.split(/\r?\n/);
    lines.forEach((line, i) => {
      if (line === '' || (i === 0 && line.startsWith('#'))) return;
      const parts = line.split(' ');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
        throw new ModelError(TOKENIZER_CODES.mergesInvalid, `Expected "symbol symbol" on line ${i + 1} of ${source}/merges.txt ` +
          `but received ${JSON.stringify(line.slice(0, 80))}.`, {
          hint: 'The merges file is corrupt: re-download or re-export it.',
        });
      }
      pairs.push([parts[0], parts[1]]);
    });
  } else {
    pairs.push(...raw);
  }
  return pairs.filter(([a, b]) => vocab.has(a + b));
}

export function resolveConfig(
  specialTokensMap: unknown, tokenizerConfig: unknown, vocab: ReadonlyMap<string, number>, source: string,
): ClipTokenizerConfig {
  const map = asRecord(specialTokensMap, 'special_tokens_map.json', source);
  const cfg = asRecord(tokenizerConfig, 'tokenizer_config.json', source);
  // transformers applies special_tokens_map.json after tokenizer_config.json, so the map wins on disagreement.
  const pick = (key: string, fallback: string): SpecialToken => {
    const token = tokenText(map[key]) ?? tokenText(cfg[key]) ?? fallback;
    const id = vocab.get(token);
    if (id === undefined) {
      throw new ModelError(TOKENIZER_CODES.specialToken, `Expected ${key} ${JSON.stringify(token)} named by ${source} ` +
        'to be in vocab.json but it is not.', {
        hint: 'The config files and vocab.json come from different tokenizers; use the folder shipped with the model.',
      });
    }
    return { token, id };
  };
  return {
    bos: pick('bos_token', DEFAULT_TOKENS.bos),
    eos: pick('eos_token', DEFAULT_TOKENS.eos),
    pad: pick('pad_token', DEFAULT_TOKENS.pad),
    unk: pick('unk_token', DEFAULT_TOKENS.unk),
    modelMaxLength: maxLength(cfg.model_max_length, source),
    lowerCase: cfg.do_lower_case !== false,
  };
}

function maxLength(raw: unknown, source: string): number {
  if (raw === undefined || raw === null) return CLIP_MODEL_MAX_LENGTH;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 3) {
    throw new ModelError(TOKENIZER_CODES.configInvalid, `Expected model_max_length in ${source}/tokenizer_config.json ` +
      `to be an integer >= 3 (room for BOS, one token, EOS) but received ${JSON.stringify(raw)}.`, {
      hint: `CLIP text encoders use ${CLIP_MODEL_MAX_LENGTH}.`,
    });
  }
  return raw >= UNSET_MAX_LENGTH_THRESHOLD ? CLIP_MODEL_MAX_LENGTH : raw;
}

/** Tokens appear as plain strings or as transformers' serialised AddedToken `{ content, ... }`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

function asRecord(value: unknown, file: string, source: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelError(TOKENIZER_CODES.configInvalid, `Expected ${source}/${file} to hold a JSON object ` +
      `but received ${Array.isArray(value) ? 'an array' : typeof value}.`, {
      hint: 'Re-export the tokenizer folder with transformers.',
    });
  }
  return value as Record<string, unknown>;
}
