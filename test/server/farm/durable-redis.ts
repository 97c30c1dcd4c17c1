import { endProcess, startRedis } from '../../helpers/redis';

/**
 * A redis-server configured as docs/scale-out.md asks for durability (`appendonly yes`, `appendfsync always`), that a
 * test can SIGKILL and start again on the same port and folder (so it reloads its AOF).
 */
export interface DurableRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILL: no shutdown, no final save; only what the AOF holds survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder; resolves once it answers PING (its AOF loaded). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDurableRedis(): Promise<DurableRedis> {
  let redis = await startRedis({ durable: true });
  const { url, port, dir } = redis;
  return {
    url,
    port,
    dir,
    kill: () => endProcess(redis.process, 'SIGKILL'),
    restart: async () => {
      redis = await startRedis({ durable: true, port, dir });
    },
    stop: () => redis.stop(),
  };
}
