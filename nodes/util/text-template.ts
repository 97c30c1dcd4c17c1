import { defineNode, input, output } from '../../engine';
import { NodeError } from '../codes';
import { STRING } from '../ports';

/** Fills `{a}`, `{b}`, `{c}` in a template: builds prompts from parts shared across nodes. */
export const TextTemplateNode = defineNode({
  type: 'TextTemplate',
  version: 1,
  category: 'utils',
  description: 'Fills {a}, {b} and {c} in a template.',
  inputs: {
    template: input<string>(STRING, { schema: { type: 'string', default: '{a}', 'x-widget': 'textarea' } }),
    a: input<string>(STRING, { schema: { type: 'string' }, optional: true }),
    b: input<string>(STRING, { schema: { type: 'string' }, optional: true }),
    c: input<string>(STRING, { schema: { type: 'string' }, optional: true }),
  },
  outputs: { text: output<string>(STRING) },
  run: ({ template, a, b, c }) => {
    const values: Record<string, string | undefined> = { a, b, c };
    const text = template.replace(/\{([abc])\}/g, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) {
        throw new NodeError('E_TEMPLATE_INPUT_MISSING', `Expected a value for {${name}} used in the template ` +
          `but input "${name}" is empty.`, {
          hint: `Set or link input "${name}", or remove {${name}} from the template.`,
        });
      }
      return v;
    });
    return { text };
  },
});
