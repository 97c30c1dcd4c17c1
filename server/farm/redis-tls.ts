import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { ServerError } from '../codes';

/** A CA bundle larger than this is not a CA bundle (a few KiB each). */
const MAX_CA_BYTES = 1024 * 1024;
const PEM_CERT = '-----BEGIN CERTIFICATE-----';

const read = new Map<string, string>();

/**
 * The TLS options for a farm connection. A `rediss://` URL connects with TLS and checks Redis' certificate against
 * Node's trusted CAs (plus `NODE_EXTRA_CA_CERTS`); `CONES_REDIS_CA=/path/ca.pem` makes that file's certificates the
 * only CAs trusted for Redis (a private CA). Read once per process; E_REDIS_TLS when it cannot be used.
 */
export function redisTlsOptions(url: string, env: NodeJS.ProcessEnv = process.env): { tls?: { ca: string } } {
  const path = env.CONES_REDIS_CA;
  if (!path) return {};
  if (!url.startsWith('rediss://')) {
    throw new ServerError('E_REDIS_TLS', `CONES_REDIS_CA is set (${path}) but the Redis URL is not a rediss:// URL: the connection would not use TLS.`, {
      hint: 'Use rediss://:PASSWORD@host:TLS_PORT (Redis\' tls-port), or unset CONES_REDIS_CA for a plain redis:// connection.',
    });
  }
  const abs = resolve(path);
  let ca = read.get(abs);
  if (ca === undefined) {
    ca = readCa(abs);
    read.set(abs, ca);
  }
  return { tls: { ca } };
}

function readCa(path: string): string {
  const fail = (why: string) => new ServerError('E_REDIS_TLS', `Expected CONES_REDIS_CA to name a PEM file of CA certificates but ${path} ${why}.`, {
    hint: 'Give the CA certificate that signed Redis\' tls-cert-file (the file Redis has as tls-ca-cert-file), e.g. CONES_REDIS_CA=/etc/redis/ca.crt.',
  });
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw fail('is not a file');
    if (stat.size > MAX_CA_BYTES) throw fail(`holds ${stat.size} bytes (at most ${MAX_CA_BYTES})`);
    const buf = Buffer.alloc(stat.size);
    const n = readSync(fd, buf, 0, stat.size, 0);
    const text = buf.subarray(0, n).toString('utf8');
    if (!text.includes(PEM_CERT)) throw fail(`holds no "${PEM_CERT}" block`);
    return text;
  } finally {
    closeSync(fd);
  }
}
