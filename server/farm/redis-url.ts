import { ServerError } from '../codes';

/** Checks the --redis / CONES_REDIS_URL value before anything connects (E_BAD_OPTIONS). No ioredis here: a server
 *  without --redis never loads the farm's modules. */
export function checkRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ServerError('E_BAD_OPTIONS', `Expected a Redis URL such as redis://127.0.0.1:6379 but received "${redact(url)}".`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ServerError('E_BAD_OPTIONS', `Expected a redis:// or rediss:// URL but received the scheme "${parsed.protocol}".`);
  }
  return url;
}

/** A URL safe to print: the password is replaced. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

