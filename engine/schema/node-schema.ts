import type { AnyNodeDefinition } from '../define';
import type { JsonSchema } from './json-schema';

/** A link value as it appears in a graph file. */
export const LINK_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['from', 'output'],
  additionalProperties: false,
  properties: { from: { type: 'string' }, output: { type: 'string' } },
};

/** The schema the editor and `cones nodes` publish for one node type: nothing is declared twice. */
export interface NodeTypeDescription {
  type: string;
  version: number;
  category: string;
  description: string;
  isOutput: boolean;
  deprecated?: string;
  inputs: Array<{
    name: string;
    type: string;
    required: boolean;
    linkOnly: boolean;
    file?: 'file' | 'dir';
    description?: string;
    schema?: JsonSchema;
  }>;
  outputs: Array<{ name: string; type: string; description?: string }>;
  /** JSON Schema for the node's `inputs` object in a graph file. */
  inputsSchema: JsonSchema;
}

export function describeNode(def: AnyNodeDefinition): NodeTypeDescription {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const inputs: NodeTypeDescription['inputs'] = [];
  for (const [name, spec] of Object.entries(def.inputs)) {
    const isRequired = !spec.optional && (spec.schema?.default === undefined);
    if (isRequired) required.push(name);
    properties[name] = spec.schema ? { anyOf: [spec.schema, LINK_SCHEMA] } : LINK_SCHEMA;
    inputs.push({
      name,
      type: spec.type,
      required: isRequired,
      linkOnly: !spec.schema,
      file: spec.file,
      description: spec.description,
      schema: spec.schema,
    });
  }
  return {
    type: def.type,
    version: def.version,
    category: def.category,
    description: def.description,
    isOutput: def.isOutput === true,
    deprecated: def.deprecated,
    inputs,
    outputs: Object.entries(def.outputs).map(([name, spec]) => ({ name, type: spec.type, description: spec.description })),
    inputsSchema: { type: 'object', properties, required, additionalProperties: false },
  };
}
