import type { JsonSchema } from './json-schema';
import { GRAPH_FORMAT } from '../types';

/** Far more nodes than any pipeline has; bounds the cost of validating a hostile file. */
export const MAX_NODES = 5000;

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
      maxProperties: MAX_NODES,
      propertyNames: { minLength: 1, maxLength: 200 },
      additionalProperties: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', minLength: 1, maxLength: 200 },
          version: { type: 'integer', minimum: 0 },
          inputs: { type: 'object' },
          cache: { type: 'boolean' },
          title: { type: 'string', maxLength: 1000 },
        },
      },
    },
    outputs: { type: 'array', maxItems: MAX_NODES, items: { type: 'string', maxLength: 200 } },
    meta: { type: 'object' },
    editor: { type: 'object' },
  },
};
