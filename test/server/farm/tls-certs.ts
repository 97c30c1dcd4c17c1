import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisTlsFiles } from '../../helpers/redis';
import { scratchDir } from '../../helpers/scratch';

const OPENSSL = process.env.CONES_OPENSSL ?? '/usr/bin/openssl';

/** Why the TLS tests cannot run here, or false. */
export const NO_OPENSSL: string | false = existsSync(OPENSSL) ? false
  : `openssl not found at ${OPENSSL}: install it (apt-get install -y openssl) or set CONES_OPENSSL`;

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = cones test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid
`;

/**
 * A throwaway CA and a certificate it signed for localhost / 127.0.0.1 / ::1 (P-256 keys: a few hundred ms), in a
 * temp folder removed with the test process. What an operator does once with openssl for a private Redis.
 */
export function makeTestCerts(): RedisTlsFiles {
  const dir = scratchDir('tls');
  const config = join(dir, 'openssl.cnf');
  writeFileSync(config, CONFIG);
  const openssl = (...args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', '-new', '-config', config, '-extensions', 'ca', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt',
    '-days', '2', '-subj', '/CN=cones test CA');
  openssl('req', '-new', '-config', config, ...ec, '-keyout', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', 'redis.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '1', '-days', '2',
    '-extfile', config, '-extensions', 'server', '-out', 'redis.crt');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'redis.crt'), key: join(dir, 'redis.key') };
}
