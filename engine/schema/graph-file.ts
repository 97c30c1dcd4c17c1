import type { JsonSchema } from './json-schema';
import { GRAPH_FORMAT } from '../types';

/** JSON Schema of a graph file (current version). Structure only: node types and values are checked by validate.ts. */
export const GRAPH_FILE_SCHEMA: JsonSchema = {
  $id: 'https://cones-graph.local/schema/graph-file.json',
  title: 'cones-graph file',
  type: 'object',
  required: ['format', 'version', 'nodes'],
  additionalProperties: false,
  properties: {
    format: { const: GRAPH_FORMAT },
    version: { type: 'integer', minimum: 0 },
    nodes: {
      type: 'object',
      propertyNames: { minLength: 1, maxLength: 200 },
      additionalProperties: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', minLength: 1 },
          version: { type: 'integer', minimum: 0 },
          inputs: { type: 'object' },
          cache: { type: 'boolean' },
          title: { type: 'string' },
        },
      },
    },
    outputs: { type: 'array', items: { type: 'string' } },
    meta: { type: 'object' },
    editor: { type: 'object' },
  },
};
