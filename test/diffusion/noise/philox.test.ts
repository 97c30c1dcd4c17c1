import { test } from 'node:test';
import assert from 'node:assert/strict';
import { philox4x32 } from '../../../diffusion/noise/philox';

const words = (text: string) => text.split(' ').map((hex) => parseInt(hex, 16));
const hex = (out: Uint32Array) => [...out].map((v) => v.toString(16).padStart(8, '0')).join(' ');

// Known-answer vectors: the "philox4x32 10" lines of tests/kat_vectors in the Random123 distribution
// (D. E. Shaw Research, github.com/DEShawResearch/random123). Counter words, key words, expected output. Exact.
const KAT: [string, string, string][] = [
  ['00000000 00000000 00000000 00000000', '00000000 00000000', '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
  ['ffffffff ffffffff ffffffff ffffffff', 'ffffffff ffffffff', '408f276d 41c83b0e a20bc7c6 6d5451fd'],
  ['243f6a88 85a308d3 13198a2e 03707344', 'a4093822 299f31d0', 'd16cfe09 94fdcceb 5001e420 24126ea1'],
];

test('philox4x32-10 matches the Random123 known-answer vectors', () => {
  for (const [counter, key, expected] of KAT) {
    const [c0, c1, c2, c3] = words(counter);
    const [k0, k1] = words(key);
    assert.equal(hex(philox4x32(c0, c1, c2, c3, k0, k1)), expected);
  }
});

test('philox4x32 reuses the output buffer it is given', () => {
  const out = new Uint32Array(4);
  assert.equal(philox4x32(0, 0, 0, 0, 0, 0, out), out);
});
