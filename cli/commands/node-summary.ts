import type { JsonSchema, NodeTypeDescription } from '../../engine';

/**
 * Readable views of node type descriptions for `cones nodes`: one line per type grouped by category, or every input
 * of chosen types with its port type, default, range or choices. `--json` prints the full descriptions instead.
 */
export function summarizeTypes(descriptions: readonly NodeTypeDescription[]): string {
  const byCategory = new Map<string, NodeTypeDescription[]>();
  for (const d of descriptions) byCategory.set(d.category, [...(byCategory.get(d.category) ?? []), d]);
  const width = Math.max(...descriptions.map((d) => d.type.length));
  const lines: string[] = [];
  for (const [category, list] of byCategory) {
    lines.push(`${category}:`);
    for (const d of list) lines.push(`  ${d.type.padEnd(width)}  ${d.isOutput ? '(output) ' : ''}${d.description}`);
  }
  lines.push('', 'Run `cones nodes TYPE ...` for inputs and outputs, `cones nodes --json` for the full schemas.');
  return `${lines.join('\n')}\n`;
}

export function describeTypes(descriptions: readonly NodeTypeDescription[]): string {
  return descriptions.map(describeType).join('\n');
}

function describeType(d: NodeTypeDescription): string {
  const lines = [`${d.type} (version ${d.version}, ${d.category}${d.isOutput ? ', output node' : ''}): ${d.description}`, '  inputs:'];
  for (const input of d.inputs) {
    const need = input.linkOnly ? `link${input.required ? '' : ', optional'}` : input.required ? 'required' : '';
    const facts = [input.type, need, input.file ? `${input.file} path` : '', schemaFacts(input.schema)];
    lines.push(`    ${input.name}: ${facts.filter(Boolean).join(', ')}${input.description ? ` - ${input.description}` : ''}`);
  }
  lines.push('  outputs:', ...d.outputs.map((o) => `    ${o.name}: ${o.type}${o.description ? ` - ${o.description}` : ''}`));
  return `${lines.join('\n')}\n`;
}

/** Default, range and choices of a literal's schema, as short text. */
function schemaFacts(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  const s = schema as Record<string, unknown>;
  const facts: string[] = [];
  if (s.default !== undefined) facts.push(`default ${JSON.stringify(s.default)}`);
  if (s.minimum !== undefined || s.maximum !== undefined) facts.push(`range ${s.minimum ?? '-inf'}..${s.maximum ?? 'inf'}`);
  if (Array.isArray(s.enum)) facts.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(' | ')}`);
  return facts.join(', ');
}
