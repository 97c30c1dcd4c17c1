/**
 * Base class for every coded error in the project. `code` is a key of the error catalogue
 * (`errors/catalogue.ts`); the engine wraps any error that carries a `code` with the node id and type
 * that raised it, so the layers that throw these never need to know about graphs.
 * Message shape (after sharp): "Expected X for Y but received Z" followed by what to do (the hint).
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: C, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(opts.hint ? `${message} ${opts.hint}` : message, { cause: opts.cause });
    this.name = 'CodedError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}
