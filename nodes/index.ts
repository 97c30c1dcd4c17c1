import type { AnyNodeDefinition } from '../engine';
import { IntegerNode } from './util/integer';
import { MathNode } from './util/math';
import { NumberNode } from './util/number';
import { SaveTextNode } from './util/save-text';
import { ShowTextNode } from './util/show-text';
import { TextNode } from './util/text';
import { TextTemplateNode } from './util/text-template';

/** Every node type this package ships, listed explicitly (no folder scanning). */
export const ALL_NODES: readonly AnyNodeDefinition[] = [
  NumberNode,
  IntegerNode,
  TextNode,
  MathNode,
  TextTemplateNode,
  SaveTextNode,
  ShowTextNode,
];
