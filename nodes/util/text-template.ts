import { defineNode, input, output } from '../../engine';
import { NodeError } from '../codes';
import { knownText } from '../facts';
import { STRING } from '../ports';

const PLACEHOLDER = /\{([abc])\}/g;

/** The template filled with `values`; a placeholder without a value is E_TEMPLATE_INPUT_MISSING. */
function fill(template: string, values: Record<string, string | undefined>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) {
      throw new NodeError('E_TEMPLATE_INPUT_MISSING', `Expected a value for {${name}} used in the template ` +
        `but input "${name}" is empty.`, {
        hint: `Set or link input "${name}", or remove {${name}} from the template.`,
      });
    }
    return v;
  });
}

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
  // The text is known before the run when the template and every part it uses are (literals, or literal upstream).
  check: async ({ literals, facts }, ctx) => {
    const template = knownText(literals.template, facts.template);
    if (template === undefined) return;
    const values: Record<string, string | undefined> = {};
    for (const name of ['a', 'b', 'c'] as const) {
      const value = knownText(literals[name], facts[name]);
      if (value === undefined && Object.hasOwn(facts, name)) return; // linked, value unknown: nothing to tell
      values[name] = value;
    }
    const missing = [...template.matchAll(PLACEHOLDER)].find((m) => values[m[1]] === undefined)?.[1];
    const text = await ctx.attempt(missing, () => fill(template, values));
    return text === undefined ? undefined : { facts: { text } };
  },
  run: ({ template, a, b, c }) => ({ text: fill(template, { a, b, c }) }),
});
