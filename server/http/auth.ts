import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ServerError } from '../codes';
import { isLoopback } from '../options';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token a request carries: `Authorization: Bearer <token>`, else `?token=`. */
function presented(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m) return m[1];
  return new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
}

/** Constant-time comparison (of digests, so lengths do not leak either). */
export function hasToken(expected: string, req: IncomingMessage): boolean {
  const got = presented(req);
  return got !== undefined && timingSafeEqual(digest(got), digest(expected));
}

function hostOf(value: string): string {
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname;
  } catch {
    return '';
  }
}

/**
 * Without a token the server trusts the local machine only, so it must not be reachable from web pages:
 * the Host header must name loopback (defeats DNS rebinding) and an Origin header, when a browser sends one,
 * must be a loopback page (a cross-site page cannot drive the queue or read events over the websocket).
 */
export function localOriginProblem(req: IncomingMessage): string | undefined {
  const host = hostOf(req.headers.host ?? '');
  if (!isLoopback(host)) return `Expected a loopback Host header but received "${req.headers.host ?? ''}".`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && !isLoopback(hostOf(origin))) {
    return `Requests from the page at ${origin} are not accepted.`;
  }
  if (origin === 'null') return 'Requests from an opaque origin are not accepted.';
  return undefined;
}

/** Express middleware: the token when one is configured, the loopback origin rule when none is. */
export function guard(token: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (token) {
      if (hasToken(token, req)) return next();
      res.setHeader('WWW-Authenticate', 'Bearer');
      return next(new ServerError('E_UNAUTHORIZED', 'Expected a valid token but the request carried none or a wrong one.', {
        hint: 'Send `Authorization: Bearer <token>` (or `?token=<token>`).',
      }));
    }
    const problem = localOriginProblem(req);
    if (!problem) return next();
    next(new ServerError('E_FORBIDDEN_ORIGIN', problem, { hint: 'Start the server with a token to accept other hosts.' }));
  };
}
