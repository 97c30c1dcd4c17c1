import { Redis } from 'ioredis';
import { redisTlsOptions } from './redis-tls';

/**
 * Redis connections for the farm. The URL goes to ioredis unchanged, so `redis://:password@host:port/db`,
 * `redis://user:password@...` (ACL) and `rediss://` (TLS) work as ioredis documents them; `CONES_REDIS_CA` names the CA
 * trusted for a `rediss://` Redis (redis-tls.ts). A password or certificate Redis refuses is caught before these
 * connections are made (redis-probe.ts): they retry forever.
 * `maxRetriesPerRequest: null` is what BullMQ requires for its blocking connections; we use it for every connection
 * that may wait (a Redis restart delays its commands instead of failing them).
 *
 * `failFast` is for the server's producer connection (BullMQ `Queue.add`): a submission must be answered at once
 * when Redis is down, never acknowledged later. Its commands are neither queued while disconnected nor resent after
 * a reconnect (a command in flight when the connection drops is rejected: the caller cannot know whether it applied).
 */
export function connect(url: string, name: string, opts: { failFast?: boolean } = {}): Redis {
  const client = new Redis(url, {
    ...redisTlsOptions(url),
    maxRetriesPerRequest: opts.failFast ? 0 : null,
    enableOfflineQueue: !opts.failFast,
    autoResendUnfulfilledCommands: !opts.failFast,
    connectionName: name,
    lazyConnect: false,
  });
  // ioredis reconnects by itself; without a listener an 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Closes a connection, waiting for pending replies but not forever. */
export async function quit(client: Redis): Promise<void> {
  await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  client.disconnect();
}

/** Error replies Redis gives while it cannot serve yet (loading its AOF, a busy script, a failover). */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/;

/**
 * True when a failed command may succeed if tried again later: the connection was down or dropped, or Redis answered
 * that it is not ready. False for an error reply that will not change (OOM, NOPERM, a script error).
 */
export function isTransient(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  if (e?.name !== 'ReplyError') return true;
  return TRANSIENT_REPLY.test(e.message ?? '');
}
