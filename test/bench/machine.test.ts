import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuDescription } from '../../bench/machine';

test('the CPU description adds family/model and the widest SIMD extension to a bare brand name', () => {
  const cpuinfo = 'processor\t: 0\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx avx2 fma avx512f\n';
  assert.equal(cpuDescription(cpuinfo), 'AMD EPYC (family 26 model 2, AVX-512)');
  assert.equal(cpuDescription('model name\t: Some CPU\nflags\t: sse2 avx2\n'), 'Some CPU (AVX2)');
  assert.equal(cpuDescription('processor\t: 0\n'), null);
});
