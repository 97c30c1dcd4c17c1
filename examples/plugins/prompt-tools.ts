/**
 * An example plugin: one node type, written as a plugin author outside this repository would write it. It needs no
 * package.json and no node_modules of its own: `cones-graph` resolves to the running installation.
 *
 *   npx cones nodes SubjectsPrompt --plugin examples/plugins/prompt-tools.ts
 *   npx cones run my-graph.json --plugin examples/plugins/prompt-tools.ts
 *   npm start -- --plugins examples/plugins            (the server loads every module of a folder)
 *
 * SubjectsPrompt turns a list of subjects into the caption form Cones 2 prompts use ("a red circle, a blue square
 * and a green star"), so a layout's phrases and the prompt come from one list.
 */
import { defineNode, input, output, STRING } from 'cones-graph';

/** "red circle, blue square" -> "a red circle and a blue square"; "an" before a vowel sound is the author's job. */
export function subjectsPrompt(list: string, article: string): string {
  const subjects = list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (article ? `${article} ${s}` : s));
  if (subjects.length <= 1) return subjects.join('');
  return `${subjects.slice(0, -1).join(', ')} and ${subjects.at(-1)}`;
}

export const SubjectsPromptNode = defineNode({
  type: 'SubjectsPrompt',
  version: 1,
  category: 'text',
  description: 'A comma-separated list of subjects -> "a <first>, a <second> and a <last>" (example plugin).',
  inputs: {
    subjects: input<string>(STRING, { schema: { type: 'string', default: 'red circle, blue square', maxLength: 2000 } }),
    article: input<string>(STRING, { schema: { type: 'string', default: 'a', maxLength: 10 } }),
  },
  outputs: { text: output<string>(STRING) },
  run: ({ subjects, article }) => {
    const text = subjectsPrompt(subjects, article);
    return { outputs: { text }, ui: { text } };
  },
});

export const nodes = [SubjectsPromptNode];
