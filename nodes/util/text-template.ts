import { defineNode, input, output } from '../../engine';
import { ModelError } from '../../diffusion/errors';
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
    const text = template.replace(/\{([abc])\}/g, (_m, k: string) => {
      const v = values[k];
      if (v === undefined) throw new ModelError('E_TEMPLATE_INPUT_MISSING', `Expected a value for {${k}} used in the template but input "${k}" is empty.`, { hint: `Set or link input "${k}", or remove {${k}} from the template.` });
      return v;
    });
    return { text };
  },
});
