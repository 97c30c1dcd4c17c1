import { defineNode, input, output } from '../../engine';
import { INT } from '../ports';

export const IntegerNode = defineNode({
  type: 'Integer',
  version: 1,
  category: 'utils',
  description: 'An integer constant (seeds, step counts).',
  inputs: {
    value: input<number>(INT, {
      schema: { type: 'integer', default: 0, minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
    }),
  },
  outputs: { value: output<number>(INT) },
  run: ({ value }) => ({ value }),
});
