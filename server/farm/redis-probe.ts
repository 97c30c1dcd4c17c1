import { Redis } from 'ioredis';
import { fatalRedisError } from './redis-errors';
import { redisTlsOptions } from './redis-tls';

/** How long the first contact with Redis may take before starting carries on as with a Redis that is down. */
export const PROBE_MS = 5000;

/**
 * One connection attempt to Redis, made before the server or a worker opens its long-lived connections. Those retry
 * forever (a Redis that is down or restarting comes back), so a Redis that will never accept them is caught here:
 * E_REDIS_AUTH (wrong or missing password), E_REDIS_TLS (certificate not trusted, another host's, not a TLS port).
 * A Redis that is down, gives no verdict within `timeoutMs`, or fails any other way is not an error here: the caller
 * carries on and its connections retry as documented (docs/scale-out.md, *Faults*).
 */
export async function probeRedis(url: string, timeoutMs = PROBE_MS): Promise<void> {
  const client = new Redis(url, {
    ...redisTlsOptions(url),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    connectionName: 'cones-probe',
  });
  const errors: unknown[] = [];
  client.on('error', (err) => errors.push(err));
  const attempt = client.connect().then(() => client.ping()).then(() => undefined, (err: unknown) => {
    errors.push(err);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([attempt, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
  for (const err of errors) {
    const fatal = fatalRedisError(err, url);
    if (fatal) throw fatal;
  }
}
