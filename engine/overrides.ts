import type { GraphIssue } from './errors';
import type { NodeRegistry } from './registry';
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
  const issues: GraphIssue[] = [];
  for (const { nodeId, input, text } of overrides) {
    const node = Object.hasOwn(file.nodes, nodeId) ? file.nodes[nodeId] : undefined;
    if (!node) {
      issues.push({
        code: 'E_SET_UNKNOWN_NODE', nodeId, input,
        message: `An override (--set) names node "${nodeId}", which the graph does not have.`,
        hint: `Its nodes are: ${Object.keys(file.nodes).join(', ')}.`,
      });
      continue;
    }
    const isText = registry.get(node.type)?.inputs[input]?.schema?.type === 'string';
    node.inputs = { ...(node.inputs ?? {}), [input]: isText ? text : jsonOrText(text) };
  }
  return issues;
}

function jsonOrText(text: string): InputValue {
  try {
    return JSON.parse(text) as InputValue;
  } catch {
    return text;
  }
}
