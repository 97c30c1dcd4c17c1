/** The subset of JSON Schema (draft 2020-12 / ajv) that node parameters use. */
export interface JsonSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null' | Array<string>;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  /** Editor hint: how to show the widget ('textarea', 'slider', 'seed', 'layout', 'path'). */
  'x-widget'?: string;
  /** Editor hint for a file input: the server list its picker offers (GET /api/choices: models, residuals, layouts, inputs). */
  'x-choices'?: string;
  /** Editor hint for a number input: values that mean something else, shown in the widget's label ({"-1": "model"}). */
  'x-special'?: Record<string, string>;
  [k: string]: unknown;
}
