import { ServerError } from '../codes';
import { redact } from './redis-url';

/** Replies Redis gives to a missing or wrong password / ACL user (AUTH, or HELLO ... AUTH). */
const AUTH_REPLY = /^(WRONGPASS|NOAUTH)\b|invalid password|invalid username-password/i;
/** Node's codes for a certificate it does not accept (untrusted chain, expired, wrong host). */
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;
/** A TLS handshake that failed below the certificate check (a plain port, a required client certificate). */
const TLS_CODE = /^ERR_(SSL|TLS)_/;

function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return Boolean(parsed.username || parsed.password);
  } catch {
    return false;
  }
}

const firstLine = (text: string) => text.split('\n')[0].slice(0, 200);

/**
 * The coded error for a Redis connection failure that retrying cannot fix, or undefined for one it may (Redis down,
 * loading, a dropped connection). E_REDIS_AUTH: Redis refused the URL's password or user. E_REDIS_TLS: the TLS
 * handshake failed (untrusted certificate, another host's certificate, a port not serving TLS).
 */
export function fatalRedisError(err: unknown, url: string): ServerError | undefined {
  const e = err as { code?: string; message?: string } | undefined;
  const message = firstLine(e?.message ?? '');
  const code = typeof e?.code === 'string' ? e.code : '';
  const where = `Redis at ${redact(url)}`;
  if (AUTH_REPLY.test(message)) {
    return new ServerError('E_REDIS_AUTH', `${where} refused the connection ${hasCredentials(url) ? 'with the credentials in the URL' : 'without a password'} (${message}).`, {
      hint: 'Give the password in the URL: redis://:PASSWORD@host:port (requirepass) or redis://USER:PASSWORD@host:port (an ACL user), ' +
        'rediss:// for TLS; percent-encode @ : / ? # % in it.',
    });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ServerError('E_REDIS_TLS', `The TLS certificate of ${where} does not name the URL's host (${message}).`, {
      hint: 'Connect with a host name (or IP) listed in the certificate\'s subjectAltName, or reissue the certificate for this host.',
    });
  }
  if (CERT_CODE.test(code)) {
    return new ServerError('E_REDIS_TLS', `The TLS certificate of ${where} is not trusted (${code}: ${message}).`, {
      hint: 'Trust the CA that signed Redis\' tls-cert-file on the server and on every worker: CONES_REDIS_CA=/path/ca.pem ' +
        '(or NODE_EXTRA_CA_CERTS=/path/ca.pem).',
    });
  }
  if (TLS_CODE.test(code)) {
    return new ServerError('E_REDIS_TLS', `The TLS handshake with ${where} failed (${code}: ${message}).`, {
      hint: 'Check that the port is Redis\' tls-port (a plain port takes redis://, not rediss://) and that Redis does not ' +
        'require client certificates (tls-auth-clients no).',
    });
  }
  return undefined;
}
