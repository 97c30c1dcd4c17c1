import { defineNode, input, output } from '../../engine';
import { NodeError } from '../codes';
import { FLOAT, STRING } from '../ports';

const OPS = {
  add: (a: number, b: number) => a + b,
  subtract: (a: number, b: number) => a - b,
  multiply: (a: number, b: number) => a * b,
  divide: (a: number, b: number) => a / b,
  min: Math.min,
  max: Math.max,
  power: Math.pow,
} as const;

type Op = keyof typeof OPS;

export const MathNode = defineNode({
  type: 'Math',
  version: 1,
  category: 'utils',
  description: 'Arithmetic on two numbers.',
  inputs: {
    op: input<Op>(STRING, { schema: { type: 'string', enum: Object.keys(OPS), default: 'add' } }),
    a: input<number>(FLOAT, { schema: { type: 'number', default: 0 } }),
    b: input<number>(FLOAT, { schema: { type: 'number', default: 0 } }),
  },
  outputs: { result: output<number>(FLOAT) },
  run: ({ op, a, b }) => {
    const result = OPS[op](a, b);
    if (!Number.isFinite(result)) {
      throw new NodeError('E_MATH_NOT_FINITE', `Expected a finite result for ${op}(${a}, ${b}) but received ${result}.`, {
        hint: 'Check the inputs (division by zero?).',
      });
    }
    return { result };
  },
});
