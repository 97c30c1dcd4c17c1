import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPhrase } from '../../../diffusion/tokenizer/phrase';
import { clipTokenizer } from './clip-vocab';

const tok = clipTokenizer('sd1');

test('a single-token word: every occurrence, the first, or the n-th (0-based)', () => {
  const t = tok.tokenize('a cat and a dog and a Cat, cats!', { mode: 'adaptive' });
  // positions: a1 cat2 and3 a4 dog5 and6 a7 cat8 ,9 cats10 !11
  assert.deepEqual(findPhrase(t, 'cat'), [[2], [8]], '"cats" is a different word and does not match');
  assert.deepEqual(findPhrase(t, 'CAT', 'first'), [[2]]);
  assert.deepEqual(findPhrase(t, 'cat', 1), [[8]]);
  assert.deepEqual(findPhrase(t, 'cats'), [[10]]);
  assert.throws(() => findPhrase(t, 'cat', 2), { code: 'E_PHRASE_OCCURRENCE' });
});

test('a multi-word phrase matches consecutive words and returns all their tokens', () => {
  const t = tok.tokenize('a robot toy next to a toy robot and a robot  toy', { mode: 'adaptive' });
  // a1 robot2 toy3 next4 to5 a6 toy7 robot8 and9 a10 robot11 toy12
  assert.deepEqual(findPhrase(t, 'robot toy'), [[2, 3], [11, 12]]);
  assert.deepEqual(findPhrase(t, 'toy robot'), [[7, 8]]);
});

test('a word of several BPE tokens gives all of them', () => {
  const t = tok.tokenize('a photo of zebracorn', { mode: 'adaptive' });
  const n = tok.encode('zebracorn').length;
  assert.ok(n > 1);
  assert.deepEqual(findPhrase(t, 'zebracorn'), [Array.from({ length: n }, (_, i) => 4 + i)]);
});

test('a phrase split across two chunks still matches, with absolute positions', () => {
  const prompt = `${Array(74).fill('cat').join(' ')} robot toy`;
  const t = tok.tokenize(prompt, { mode: 'adaptive' });
  // "robot" fills slot 75 of chunk 0 (position 75); chunk 0 ends with EOS at 76; chunk 1 starts with BOS at 77.
  assert.deepEqual(findPhrase(t, 'robot toy'), [[75, 78]]);
});

test('a missing phrase is a coded error naming the prompt, the phrase and the words', () => {
  const t = tok.tokenize('a photo of my cats', { mode: 'adaptive' });
  assert.throws(() => findPhrase(t, 'cat'), (err: any) => {
    assert.equal(err.code, 'E_PHRASE_NOT_IN_PROMPT');
    assert.match(err.message, /"cat"/);
    assert.match(err.message, /"a photo of my cats"/);
    assert.match(err.message, /a photo of my cats\./);
    assert.deepEqual(err.details.words, ['a', 'photo', 'of', 'my', 'cats']);
    return true;
  });
  assert.throws(() => findPhrase(t, '   '), { code: 'E_PHRASE_NOT_IN_PROMPT' });
});
