import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPhrase } from '../../../diffusion/tokenizer/phrase';
import { alignBatch, chunkLengths } from '../../../diffusion/tokenizer/unconditional';
import { BOS, EOS, clipTokenizer } from './clip-vocab';

const sd2 = clipTokenizer('sd2');
const sd1 = clipTokenizer('sd1');

test('"" is padded with the pad id to the conditional length (adaptive and fixed)', () => {
  const cond = sd2.tokenize('a photo of a cat', { mode: 'adaptive' });
  assert.deepEqual(sd2.unconditional(cond).ids, [BOS, EOS, 0, 0, 0, 0, 0]);
  assert.deepEqual(sd1.unconditional(sd1.tokenize('a photo of a cat', { mode: 'adaptive' })).ids, [BOS, EOS, EOS, EOS, EOS, EOS, EOS]);
  const fixed = sd2.unconditional(sd2.tokenize('a photo of a cat', { mode: 'fixed' }));
  assert.equal(fixed.length, 77);
  assert.deepEqual(fixed.ids.slice(0, 3), [BOS, EOS, 0]);
});

test('chunk-aware: one empty [BOS, EOS, pad...] chunk per conditional chunk', () => {
  const cond = sd2.tokenize(Array(100).fill('cat').join(' '), { mode: 'adaptive' });
  assert.deepEqual(chunkLengths(cond), [77, 27]);
  const uncond = sd2.unconditional(cond, 'blurry');
  assert.deepEqual(chunkLengths(uncond), [77, 27]);
  assert.deepEqual(uncond.chunks[0].slice(0, 4), [BOS, sd2.encode('blurry')[0], EOS, 0]);
  assert.deepEqual(uncond.chunks[1], [BOS, EOS, ...Array(25).fill(0)]);
});

test('a negative prompt longer than the conditional one is a coded error; alignBatch grows both', () => {
  const cond = sd2.tokenize('a cat', { mode: 'adaptive' });
  const negative = 'blurry, low quality, ugly, deformed, watermark';
  assert.throws(() => sd2.unconditional(cond, negative), { code: 'E_TOKENIZER_LENGTH' });
  const [c, u] = alignBatch(cond, sd2.tokenize(negative, { mode: 'adaptive' }));
  assert.equal(c.length, u.length);
  assert.equal(c.length, sd2.encode(negative).length + 2);
  assert.deepEqual(c.ids.slice(0, 5), [BOS, 320, 2368, EOS, 0]);
});

test('alignBatch moves word positions when an earlier chunk grows', () => {
  // 74 one-token words leave one slot, too few for "zebracorn" (several tokens): chunk 0 ends one short, at 76.
  const cond = sd2.tokenize(`${Array(74).fill('dog').join(' ')} zebracorn cat`, { mode: 'adaptive' });
  const neg = sd2.tokenize(Array(150).fill('blurry').join(' '), { mode: 'adaptive' });
  assert.equal(chunkLengths(cond)[0], 76);
  const [c, u] = alignBatch(cond, neg);
  assert.deepEqual(chunkLengths(c), [77, 77]);
  assert.deepEqual(chunkLengths(u), [77, 77]);
  assert.deepEqual(c.chunks[0].slice(74), [1929, EOS, 0], 'the pad goes after chunk 0\'s EOS');
  const before = findPhrase(cond, 'cat')[0][0];
  const after = findPhrase(c, 'cat')[0][0];
  assert.equal(after, before + 1);
  assert.equal(c.ids[after], 2368);
  for (const w of c.words) assert.equal(sd2.decode(w.tokenPositions.map((p) => c.ids[p])), w.text);
});
