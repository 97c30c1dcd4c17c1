import { CodedError } from '../errors/coded-error';
import type { CodeTable } from '../errors/code-table';

/**
 * Error codes raised by the node definitions themselves (model failures keep their `ModelError` codes).
 * The engine wraps each in a `NodeRunError` with the node id, type and input shapes.
 */
export const NODE_ERRORS = {
  E_MATH_NOT_FINITE: { summary: 'A Math node\'s result is not finite (division by zero, overflow).' },
  E_MASK_PHRASE: { summary: 'MaskFromLayout names a phrase the layout has no subject for.' },
  E_TEMPLATE_INPUT_MISSING: { summary: 'A TextTemplate placeholder {name} has no value: its input is neither set nor linked.' },
  E_IMAGE_BATCH: { summary: 'A node that takes one image received a batch (GuidedSampler batch > 1), or two batches of different sizes.' },
  E_SAMPLER_SETTING: { summary: 'GuidedSampler layout_weight is negative other than -1 (-1 = the model\'s recommended value).' },
} as const satisfies CodeTable;

export type NodeErrorCode = keyof typeof NODE_ERRORS;

export class NodeError extends CodedError<NodeErrorCode> {
  constructor(code: NodeErrorCode, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'NodeError';
  }
}
