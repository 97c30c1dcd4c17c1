import { defineNode, input, output } from '../../engine';
import { knownText } from '../facts';
import { STRING } from '../ports';

export const TextNode = defineNode({
  type: 'Text',
  version: 1,
  category: 'utils',
  description: 'A text constant (prompts).',
  inputs: { value: input<string>(STRING, { schema: { type: 'string', default: '', 'x-widget': 'textarea' } }) },
  outputs: { text: output<string>(STRING) },
  check: ({ literals, facts }) => ({ facts: { text: knownText(literals.value, facts.value) } }),
  run: ({ value }) => ({ text: value }),
});
