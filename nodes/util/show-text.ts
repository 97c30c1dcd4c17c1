import { defineNode, input, output } from '../../engine';
import { STRING } from '../ports';

export const ShowTextNode = defineNode({
  type: 'ShowText',
  version: 1,
  category: 'output',
  description: 'Shows text in the editor and in the run\'s events.',
  isOutput: true,
  inputs: { text: input<string>(STRING) },
  outputs: { text: output<string>(STRING) },
  run: ({ text }) => ({ outputs: { text }, ui: { text } }),
});
