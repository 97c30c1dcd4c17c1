/**
 * Where a subject phrase sits in a tokenized prompt, for residual placement and layout maps.
 *
 * Matching is on whole pre-tokens (the units BPE encodes one by one, so equal pieces have equal token sequences):
 * "cat" matches "cat" and "cat," but not "cats" or "catalog"; "robot toy" matches the two consecutive pieces
 * "robot", "toy" wherever they sit, even across a chunk boundary. The phrase is cleaned like the prompt, so case and
 * spacing do not matter.
 */
import { ModelError } from '../errors';
import { pieceTexts } from './clean';
import { TOKENIZER_CODES } from './codes';
import type { Tokenized } from './types';

/** 'all' (default), 'first', or a 0-based occurrence index. */
export type PhraseOccurrence = 'all' | 'first' | number;

/**
 * Token positions of each selected occurrence of `phrase`: one array per occurrence, in prompt order, each holding
 * the absolute positions of all the phrase's tokens. `.flat()` gives every position (what layout maps need).
 */
export function findPhrase(tokenized: Tokenized, phrase: string, occurrence: PhraseOccurrence = 'all'): number[][] {
  const wanted = pieceTexts(phrase, tokenized.lowerCase);
  const words = tokenized.words;
  const matches: number[][] = [];
  for (let w = 0; wanted.length > 0 && w + wanted.length <= words.length; w++) {
    if (!wanted.every((text, k) => words[w + k].text === text)) continue;
    const positions = wanted.flatMap((_, k) => words[w + k].tokenPositions);
    if (positions.length > 0) matches.push(positions); // a fully truncated occurrence has nothing to point at
  }
  if (matches.length === 0) {
    const listed = words.map((w) => w.text).join(' ');
    throw new ModelError(TOKENIZER_CODES.phraseNotInPrompt, `Expected the phrase ${JSON.stringify(phrase)} as whole words ` +
      `in the prompt ${JSON.stringify(tokenized.prompt)} but it is not there. The prompt's words are: ${listed || '(none)'}.`, {
      hint: 'Use a word exactly as it appears in the prompt (matching is whole-word: "cat" does not match "cats").',
      details: { prompt: tokenized.prompt, phrase, words: words.map((w) => w.text) },
    });
  }
  if (occurrence === 'all') return matches;
  const index = occurrence === 'first' ? 0 : occurrence;
  if (!Number.isInteger(index) || index < 0 || index >= matches.length) {
    throw new ModelError(TOKENIZER_CODES.phraseOccurrence, `Expected occurrence 0..${matches.length - 1} of ${JSON.stringify(phrase)} ` +
      `in the prompt ${JSON.stringify(tokenized.prompt)} but received ${JSON.stringify(occurrence)}.`, {
      hint: `The phrase occurs ${matches.length} time(s); occurrences are counted from 0.`,
    });
  }
  return [matches[index]];
}
