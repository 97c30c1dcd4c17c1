import type { Redis } from 'ioredis';

/**
 * Whether the farm's Redis keeps what it acknowledged. The server answers 201 to a run once BullMQ's add returned; that
 * add is on disk before Redis replies only with `appendonly yes` + `appendfsync always`, and it stays there only if
 * Redis never evicts keys (`maxmemory-policy noeviction`, which BullMQ requires anyway). See docs/scale-out.md.
 */
export interface RedisPersistence {
  /** False when CONFIG GET is refused (a managed Redis with CONFIG renamed or disabled): settings unknown. */
  known: boolean;
  appendonly?: string;
  appendfsync?: string;
  maxmemoryPolicy?: string;
  /** True when an acknowledged run survives a crash of Redis or of its machine. */
  durable: boolean;
  /** What falls short, one sentence each (empty when durable). */
  problems: string[];
}

/** Reads the settings with CONFIG GET; never throws (unknown settings count as not durable). */
export async function readPersistence(redis: Redis): Promise<RedisPersistence> {
  const config = new Map<string, string>();
  try {
    // One name per CONFIG GET: several names in one call need Redis 7.
    for (const name of ['appendonly', 'appendfsync', 'maxmemory-policy']) {
      const flat = (await redis.call('CONFIG', 'GET', name)) as string[];
      if (flat.length >= 2) config.set(flat[0], flat[1]);
    }
  } catch (err) {
    return {
      known: false, durable: false,
      problems: [`CONFIG GET was refused (${(err as Error).message}): cannot tell whether Redis persists acknowledged runs.`],
    };
  }
  return judge(config.get('appendonly'), config.get('appendfsync'), config.get('maxmemory-policy'));
}

export function judge(appendonly?: string, appendfsync?: string, maxmemoryPolicy?: string): RedisPersistence {
  const problems: string[] = [];
  if (appendonly !== 'yes') {
    problems.push(`appendonly is "${appendonly ?? '?'}": a Redis restart loses every queued run (set appendonly yes).`);
  } else if (appendfsync !== 'always') {
    problems.push(`appendfsync is "${appendfsync ?? '?'}": runs acknowledged in the last second before a crash of the Redis machine ` +
      'can be lost (set appendfsync always).');
  }
  if (maxmemoryPolicy !== undefined && maxmemoryPolicy !== 'noeviction') {
    problems.push(`maxmemory-policy is "${maxmemoryPolicy}": Redis may evict queued runs under memory pressure (set noeviction).`);
  }
  return { known: true, appendonly, appendfsync, maxmemoryPolicy, durable: problems.length === 0, problems };
}
