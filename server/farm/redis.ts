import { Redis } from 'ioredis';

/**
 * Redis connections for the farm. The URL goes to ioredis unchanged, so `redis://:password@host:port/db`,
 * `redis://user:password@...` (ACL) and `rediss://` (TLS) work as ioredis documents them.
 * `maxRetriesPerRequest: null` is what BullMQ requires for its blocking connections; we use it everywhere so a
 * Redis restart delays commands instead of failing them.
 */
export function connect(url: string, name: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
  // ioredis reconnects by itself; without a listener an 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Closes a connection, waiting for pending replies but not forever. */
export async function quit(client: Redis): Promise<void> {
  await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  client.disconnect();
}
