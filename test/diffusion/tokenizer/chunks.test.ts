import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOS, EOS, clipTokenizer } from './clip-vocab';

const tok = clipTokenizer('sd2');
// 200 words, each a single CLIP token (checked below), so the prompt is 200 content tokens.
const WORDS = ['a', 'photo', 'of', 'the', 'cat', 'dog', 'on', 'red', 'blue', 'table', 'in', 'garden', 'with', 'sunset', 'light'];
const LONG = Array.from({ length: 200 }, (_, i) => WORDS[(i * 7) % WORDS.length]).join(' ');

const content = (chunk: readonly number[]) => chunk.slice(1, chunk.indexOf(EOS));

test('the long fixture is 200 tokens', () => {
  assert.equal(tok.encode(LONG).length, 200);
});

test('adaptive mode splits a 200-token prompt into [BOS ≤75 EOS] chunks and loses no token', () => {
  const t = tok.tokenize(LONG, { mode: 'adaptive' });
  assert.deepEqual(t.chunks.map((c) => c.length), [77, 77, 52], '75 + 75 + 50 content tokens');
  for (const c of t.chunks) {
    assert.equal(c[0], BOS);
    assert.equal(c[c.length - 1], EOS);
  }
  assert.deepEqual(t.ids, t.chunks.flat());
  assert.equal(t.length, 206);
  assert.deepEqual(t.chunks.flatMap(content), tok.encode(LONG));
  assert.equal(tok.decode(t.chunks.flatMap(content)), LONG);
  assert.equal(tok.decode(t.ids), LONG, 'decode skips the inner BOS/EOS pairs');
  // Word positions are absolute and skip the inner EOS/BOS: word 75 (0-based) is the first token of chunk 1.
  assert.deepEqual(t.words[74].tokenPositions, [75]);
  assert.deepEqual(t.words[75].tokenPositions, [78]);
  for (const w of t.words) assert.equal(tok.decode(w.tokenPositions.map((p) => t.ids[p])), w.text);
});

test('fixed mode: overflow error (default) is coded, truncate keeps 75 tokens, chunk pads every chunk to 77', () => {
  assert.throws(
    () => tok.tokenize(LONG, { mode: 'fixed' }),
    (err: any) => err.code === 'E_PROMPT_TOO_LONG' && /received 200/.test(err.message),
  );
  const cut = tok.tokenize(LONG, { mode: 'fixed', overflow: 'truncate' });
  assert.equal(cut.length, 77);
  assert.deepEqual(content(cut.ids), tok.encode(LONG).slice(0, 75));
  assert.deepEqual(cut.words[75].tokenPositions, [], 'words past the cut have no positions');
  const chunked = tok.tokenize(LONG, { mode: 'fixed', overflow: 'chunk' });
  assert.deepEqual(chunked.chunks.map((c) => c.length), [77, 77, 77]);
  assert.deepEqual(chunked.chunks[2].slice(51), [EOS, ...Array(25).fill(0)], 'last chunk: BOS, 50 tokens, EOS, 25 pads');
  assert.deepEqual(chunked.chunks.flatMap(content), tok.encode(LONG));
});

test('a chunk breaks between words, and only splits a word longer than a whole chunk', () => {
  const single = 'astronaut'; // one token; 74 of them leave one slot, too few for a multi-token word
  const twoToken = 'zebracorn';
  assert.equal(tok.encode(single).length, 1);
  assert.ok(tok.encode(twoToken).length > 1);
  const prompt = `${Array(74).fill(single).join(' ')} ${twoToken}`;
  const t = tok.tokenize(prompt, { mode: 'adaptive' });
  assert.equal(t.chunks[0].length, 76, 'chunk 0 stops before the word that does not fit');
  assert.deepEqual(content(t.chunks[1]), tok.encode(twoToken));
  const huge = 'q'.repeat(400); // one letter run, far more than 75 tokens
  const h = tok.tokenize(huge, { mode: 'adaptive' });
  assert.ok(h.chunks.length >= 2);
  assert.equal(tok.decode(h.ids), huge);
  assert.equal(h.words.length, 1);
  assert.equal(h.words[0].tokenPositions.length, tok.encode(huge).length);
});
