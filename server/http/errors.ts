import type { NextFunction, Request, Response } from 'express';
import { ServerError, type ServerErrorCode } from '../codes';

/** body-parser's error `type`s and the codes they become. */
const BODY_ERRORS: Record<string, ServerErrorCode> = {
  'entity.parse.failed': 'E_BAD_JSON',
  'entity.too.large': 'E_PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'E_UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'E_UNSUPPORTED_MEDIA_TYPE',
};

export function toServerError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  const e = err as { type?: unknown; status?: unknown; message?: unknown; limit?: unknown; length?: unknown };
  const code = typeof e?.type === 'string' && Object.hasOwn(BODY_ERRORS, e.type) ? BODY_ERRORS[e.type] : undefined;
  if (code === 'E_BAD_JSON') return new ServerError(code, `Expected a JSON body but it does not parse: ${String(e.message)}.`);
  if (code === 'E_PAYLOAD_TOO_LARGE') {
    return new ServerError(code, `Expected a body of at most ${String(e.limit)} bytes but received ${String(e.length ?? 'more')}.`);
  }
  if (code) return new ServerError(code, String(e.message));
  if (err instanceof URIError) return new ServerError('E_PATH_INVALID', 'Expected a URL with valid percent-encoding.');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ServerError('E_BAD_REQUEST', String(e.message));
  console.error('[server] internal error:', err);
  return new ServerError('E_INTERNAL', 'The server failed unexpectedly; the details are in its log.');
}

/** The last Express middleware: every error becomes `{ error: { code, message, hint?, issues? } }`. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const e = toServerError(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(e.status).json(e.toBody());
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new ServerError('E_NOT_FOUND', `No endpoint ${req.method} ${req.path}.`, { hint: 'See server/README.md for the API.' }));
}
