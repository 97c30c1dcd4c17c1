/** Pre-tokenisation on long and hostile prompts (issue 23, item 8): windowed segmentation, the prompt-size limit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanText } from '../../../diffusion/tokenizer/clean';
import { MAX_PROMPT_CHARS } from '../../../diffusion/tokenizer/clip-tokenizer';
import { clipTokenizer } from './clip-vocab';

/** The same clean-up over the whole string at once (the reference for the windowed version). */
function cleanWhole(original: string): string {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let text = '';
  let pending = false;
  for (const { segment } of segmenter.segment(original)) {
    if (/^\s+$/u.test(segment)) {
      pending = text.length > 0;
      continue;
    }
    if (pending) text += ' ';
    pending = false;
    text += segment.normalize('NFC').toLowerCase();
  }
  return text;
}

test('windowed grapheme segmentation gives the clusters of the whole string, across window edges', () => {
  // Combining marks after spaces (they join the space's cluster), emoji sequences, CJK, tabs and newlines.
  const unit = 'A cafe\u0301  \u0301x 👩‍👩‍👧 漢字\t\n e\u0301\u0302 ';
  for (const repeat of [1, 17, 40, 101]) {
    const prompt = unit.repeat(repeat);
    const cleaned = cleanText(prompt);
    assert.equal(cleaned.text, cleanWhole(prompt), `repeat ${repeat}`);
    assert.equal(cleaned.origStart.length, cleaned.text.length);
  }
});

test('a prompt over 20,000 characters is E_PROMPT_TEXT_TOO_LONG; one at the limit tokenises', () => {
  // Timing is not asserted here (noisy machines); measured once: a 64,000-character prompt took 2.6 s in
  // cleanText before the windowed segmentation, 0.12 s after.
  const tok = clipTokenizer('sd1');
  assert.throws(() => tok.tokenize('x'.repeat(MAX_PROMPT_CHARS + 1), { mode: 'adaptive' }), { code: 'E_PROMPT_TEXT_TOO_LONG' });
  const ids = tok.tokenize('x '.repeat(MAX_PROMPT_CHARS / 2), { mode: 'adaptive' }).ids;
  assert.ok(ids.length > MAX_PROMPT_CHARS / 2, `${ids.length} ids`);
});
