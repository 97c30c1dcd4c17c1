import { defineNode, input, output } from '../../engine';
import { FLOAT } from '../ports';

export const NumberNode = defineNode({
  type: 'Number',
  version: 1,
  category: 'utils',
  description: 'A floating-point constant.',
  inputs: { value: input<number>(FLOAT, { schema: { type: 'number', default: 0 } }) },
  outputs: { value: output<number>(FLOAT) },
  run: ({ value }) => ({ value }),
});
