/** Reads a Stable Diffusion `tokenizer/` folder (vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../errors';
import { ClipTokenizer } from './clip-tokenizer';
import { TOKENIZER_CODES, type TokenizerErrorCode } from './codes';
import { checkFileSize } from '../io/bounded-read';

export const TOKENIZER_FILES = {
  vocab: 'vocab.json',
  merges: 'merges.txt',
  specialTokensMap: 'special_tokens_map.json',
  tokenizerConfig: 'tokenizer_config.json',
} as const;

/**
 * vocab.json and merges.txt are required, and at least one of the two config files: without them the pad token
 * (EOS for SD 1, "!" for SD 2) would be a guess, and padded positions reach the UNet.
 */
export async function loadClipTokenizer(folder: string): Promise<ClipTokenizer> {
  const files = Object.values(TOKENIZER_FILES);
  const [vocab, merges, map, config] = await Promise.all(files.map((f) => readOptional(join(folder, f))));
  const missing: string[] = [];
  if (vocab === undefined) missing.push(TOKENIZER_FILES.vocab);
  if (merges === undefined) missing.push(TOKENIZER_FILES.merges);
  if (map === undefined && config === undefined) {
    missing.push(`${TOKENIZER_FILES.specialTokensMap} or ${TOKENIZER_FILES.tokenizerConfig}`);
  }
  if (missing.length > 0) {
    throw new ModelError(TOKENIZER_CODES.filesMissing, `Expected a CLIP tokenizer folder at ${folder} ` +
      `but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing.`, {
      hint: 'Point to the tokenizer/ folder of a Stable Diffusion export ' +
        '(it holds vocab.json, merges.txt, special_tokens_map.json and tokenizer_config.json).',
      details: { folder, missing },
    });
  }
  const configJson = (text: string, file: string): unknown => parseJson(text, folder, file, TOKENIZER_CODES.configInvalid);
  return new ClipTokenizer({
    vocab: parseJson(vocab as string, folder, TOKENIZER_FILES.vocab, TOKENIZER_CODES.vocabInvalid),
    merges: merges as string,
    specialTokensMap: map === undefined ? undefined : configJson(map, TOKENIZER_FILES.specialTokensMap),
    tokenizerConfig: config === undefined ? undefined : configJson(config, TOKENIZER_FILES.tokenizerConfig),
    source: folder,
  });
}

async function readOptional(path: string): Promise<string | undefined> {
  const isVocabulary = path.endsWith(TOKENIZER_FILES.vocab) || path.endsWith(TOKENIZER_FILES.merges);
  checkFileSize(path, isVocabulary ? 'tokenizer' : 'config');
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelError(TOKENIZER_CODES.filesMissing, `Expected to read ${path} but could not: ${(err as Error).message}.`, {
      hint: 'Check the file permissions.',
      cause: err,
    });
  }
}

function parseJson(text: string, folder: string, file: string, code: TokenizerErrorCode): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelError(code, `Expected ${join(folder, file)} to be JSON but it does not parse: ${(err as Error).message}.`, {
      hint: 'The file is corrupt or truncated: re-download or re-export the tokenizer folder.',
      cause: err,
    });
  }
}
