import type { Request } from 'express';
import { ServerError } from '../codes';

/** The JSON object a request carries (`{}` when it has no body); E_UNSUPPORTED_MEDIA_TYPE / E_BAD_REQUEST otherwise. */
export function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  // A body sent chunked has no Content-Length: it counts as a body too.
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (b === undefined && !req.is('application/json') && hasBody) {
    throw new ServerError('E_UNSUPPORTED_MEDIA_TYPE', 'Expected Content-Type application/json ' +
      `but received ${req.headers['content-type'] ?? 'none'}.`);
  }
  if (b === undefined) return {};
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw new ServerError('E_BAD_REQUEST', 'Expected a JSON object as the request body.');
  }
  return b as Record<string, unknown>;
}

/** An optional array of node ids (`outputs`). */
export function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) {
    throw new ServerError('E_BAD_REQUEST', `Expected \`${name}\` to be an array of node ids.`);
  }
  return value as string[];
}
