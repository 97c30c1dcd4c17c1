import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpeModel } from '../../../diffusion/tokenizer/bpe';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, textToByteSymbols } from '../../../diffusion/tokenizer/bytes';

test('byte table: 256 distinct printable symbols, printable ASCII kept, space -> "Ġ" (GPT-2)', () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[0x61], 'a');
  assert.equal(BYTE_TO_CHAR[0x20], '\u0120');
  assert.equal(BYTE_TO_CHAR[0x00], '\u0100');
  for (let b = 0; b < 256; b++) assert.equal(CHAR_TO_BYTE.get(BYTE_TO_CHAR[b]), b);
  assert.deepEqual(textToByteSymbols('é'), ['\u00c3', '\u00a9'], 'U+00E9 is C3 A9 in UTF-8');
});

test('merges apply by rank, not left to right, with </w> on the last symbol', () => {
  // rank 0 joins "b c</w>" although "a b" comes first in the word.
  const bpe = new BpeModel([['b', 'c</w>'], ['a', 'b'], ['a', 'bc</w>']]);
  assert.deepEqual(bpe.encode('abc'), ['abc</w>']);
  const noFinal = new BpeModel([['b', 'c</w>'], ['a', 'b']]);
  assert.deepEqual(noFinal.encode('abc'), ['a', 'bc</w>']);
  assert.deepEqual(noFinal.encode('abab'), ['ab', 'a', 'b</w>'], 'every non-overlapping occurrence merges');
  assert.deepEqual(noFinal.encode('c'), ['c</w>']);
  assert.deepEqual(noFinal.encode('abc'), ['a', 'bc</w>'], 'cached result is the same');
});
