import type { JsonSchema } from './json-schema';
import { GRAPH_FORMAT } from '../types';

/** Far more nodes than any pipeline has; bounds the cost of validating a hostile file. */
export const MAX_NODES = 5000;

/** Embedded subgraphs per file (the `subgraphs` section); each is bounded by the file's own size and MAX_NODES. */
export const MAX_EMBEDDED_SUBGRAPHS = 200;
/** Named ports of a subgraph interface, each way. */
export const MAX_INTERFACE_PORTS = 200;
/** Inner inputs one interface input may feed. */
export const MAX_BINDINGS = 32;
/** A subgraph name: the NAME of `lib/NAME` (a file NAME.json in a library folder) or `subgraph/NAME`. No dots or slashes, so it can never leave its folder. */
export const SUBGRAPH_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$';

const ID = { type: 'string', minLength: 1, maxLength: 200 } as const;
const PORT_NAME: JsonSchema = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,99}$' };
const SHA256: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const INPUT_BINDING: JsonSchema = {
  type: 'object', required: ['node', 'input'], additionalProperties: false, properties: { node: ID, input: ID },
};

/**
 * What a graph offers when used as a node (engine/subgraph/): named inputs, each fed into one or more inner node
 * inputs, named outputs taken from inner node outputs, and a version the using node entry records.
 */
const INTERFACE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {
    version: { type: 'integer', minimum: 0 },
    inputs: {
      type: 'object', maxProperties: MAX_INTERFACE_PORTS, propertyNames: PORT_NAME,
      additionalProperties: { anyOf: [INPUT_BINDING, { type: 'array', minItems: 1, maxItems: MAX_BINDINGS, items: INPUT_BINDING }] },
    },
    outputs: {
      type: 'object', maxProperties: MAX_INTERFACE_PORTS, propertyNames: PORT_NAME,
      additionalProperties: {
        type: 'object', required: ['node', 'output'], additionalProperties: false, properties: { node: ID, output: ID },
      },
    },
  },
};

/** Content pins of library subgraphs the file uses: `{ "lib/NAME": { "sha256": "..." } }`. */
const REQUIRES_SCHEMA: JsonSchema = {
  type: 'object', maxProperties: MAX_NODES, propertyNames: { maxLength: 200 },
  additionalProperties: { type: 'object', required: ['sha256'], additionalProperties: false, properties: { sha256: SHA256 } },
};

/** The properties shared by a graph file and a subgraph embedded in one. */
const GRAPH_PROPERTIES: Record<string, JsonSchema> = {
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
        /** Pins the content of a `lib/NAME` subgraph: sha256 of its file's bytes. */
        sha256: SHA256,
      },
    },
  },
  outputs: { type: 'array', maxItems: MAX_NODES, items: { type: 'string', maxLength: 200 } },
  interface: INTERFACE_SCHEMA,
  requires: REQUIRES_SCHEMA,
  meta: { type: 'object' },
  editor: { type: 'object' },
};

/** JSON Schema of a graph file (current version). Structure only: node types and values are checked by validate.ts. */
export const GRAPH_FILE_SCHEMA: JsonSchema = {
  $id: 'https://cones-graph.local/schema/graph-file.json',
  title: 'cones-graph file',
  type: 'object',
  required: ['format', 'version', 'nodes'],
  additionalProperties: false,
  properties: {
    ...GRAPH_PROPERTIES,
    /**
     * Subgraphs carried by the file, used as `subgraph/NAME`, so a shared file needs no library. One level: an
     * embedded subgraph has no `subgraphs` of its own (it may use its siblings and library subgraphs).
     */
    subgraphs: {
      type: 'object',
      maxProperties: MAX_EMBEDDED_SUBGRAPHS,
      propertyNames: { pattern: SUBGRAPH_NAME_PATTERN },
      additionalProperties: {
        type: 'object',
        required: ['format', 'version', 'nodes', 'interface'],
        additionalProperties: false,
        properties: GRAPH_PROPERTIES,
      },
    },
  },
};
