import type { GraphIssue } from './errors';
import type { NodeRegistry } from './registry';
import type { JsonSchema } from './schema/json-schema';
import type { GraphFile, InputValue } from './types';

/**
 * One input set from outside the file (the CLI's `--set node.input=TEXT`). The loader applies overrides to the
 * migrated file, before validation, so they are checked like any literal and name inputs as the current node
 * versions spell them.
 */
export interface InputOverride {
  nodeId: string;
  input: string;
  /** The value as typed: kept as text for a string input, else read as JSON when it parses ("30", "true"). */
  text: string;
}

/** Sets each override on `file` in place. Returns an issue for each override naming a node the graph lacks. */
export function applyOverrides(file: GraphFile, overrides: readonly InputOverride[], registry: NodeRegistry): GraphIssue[] {
  return unknownOverrideIssues(applyOverridesWhere(file, overrides, registrySchemas(registry)), file);
}

/** The literal schema of a node type's input, as far as it is known (a subgraph's comes from its interface). */
export type InputSchemaOf = (type: string, input: string) => JsonSchema | undefined;

export const registrySchemas = (registry: NodeRegistry): InputSchemaOf => (type, input) => {
  const inputs = registry.get(type)?.inputs;
  return inputs && Object.hasOwn(inputs, input) ? inputs[input].schema : undefined;
};

/**
 * Sets the overrides naming nodes of `file`, in place; returns the others untouched (the loader applies them to
 * the expanded graph, where ids inside subgraphs exist: `--set first/sampler.steps=30`).
 */
export function applyOverridesWhere(file: GraphFile, overrides: readonly InputOverride[], schemaOf: InputSchemaOf): InputOverride[] {
  const rest: InputOverride[] = [];
  for (const override of overrides) {
    const { nodeId, input, text } = override;
    const node = Object.hasOwn(file.nodes, nodeId) ? file.nodes[nodeId] : undefined;
    if (!node) {
      rest.push(override);
      continue;
    }
    const isText = schemaOf(node.type, input)?.type === 'string';
    node.inputs = { ...(node.inputs ?? {}), [input]: isText ? text : jsonOrText(text) };
  }
  return rest;
}

/** Node ids listed in the hint of an unknown override (a hostile graph may have thousands). */
const IDS_SHOWN = 50;

export function unknownOverrideIssues(unmatched: readonly InputOverride[], file: GraphFile): GraphIssue[] {
  const ids = Object.keys(file.nodes);
  const shown = ids.length > IDS_SHOWN ? `${ids.slice(0, IDS_SHOWN).join(', ')}, ... (${ids.length} nodes)` : ids.join(', ');
  return unmatched.map(({ nodeId, input }) => ({
    code: 'E_SET_UNKNOWN_NODE', nodeId, input,
    message: `An override (--set) names node "${nodeId}", which the graph does not have.`,
    hint: `Its nodes are: ${shown}.`,
  }));
}

function jsonOrText(text: string): InputValue {
  try {
    return JSON.parse(text) as InputValue;
  } catch {
    return text;
  }
}
