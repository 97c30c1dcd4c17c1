/**
 * Coded errors raised by the model-math modules. The engine wraps any error that carries a `code`
 * with the node id and type that raised it, so these modules never need to know about graphs.
 * Message shape (after sharp): "Expected X for Y but received Z" followed by what to do.
 */
export class ModelError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(opts.hint ? `${message} ${opts.hint}` : message, { cause: opts.cause });
    this.name = 'ModelError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}
