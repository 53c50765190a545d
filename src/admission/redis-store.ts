/**
 * The shared cache layer on Redis (ioredis, loaded only when `--cache redis://…` is given). It
 * never blocks admission: commands fail at once while disconnected (no offline queue), each has a
 * short timeout, and every failure reads as a miss while ioredis reconnects in the background.
 */
import type { SharedStore } from './cache.js';

export interface RedisStoreOptions {
  /** Per-command timeout; default 250 ms. A slow Redis must cost less than a registry round trip. */
  readonly commandTimeoutMs?: number;
  /** Told about connection errors (rate-limited by the caller). */
  readonly onError?: (error: Error) => void;
  readonly onReady?: () => void;
}

type RedisClient = InstanceType<typeof import('ioredis').Redis>;

export async function connectRedisStore(url: string, options: RedisStoreOptions = {}): Promise<SharedStore> {
  const { Redis } = await import('ioredis');
  const client: RedisClient = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 2_000,
    retryStrategy: (attempt: number) => Math.min(200 * attempt, 5_000),
  });
  client.on('error', (error: Error) => options.onError?.(error));
  client.on('ready', () => options.onReady?.());
  // Not awaited: a Redis that is down at start must not stop the webhook from serving.
  client.connect().catch(() => undefined);
  let closed = false;
  return {
    async get(key) {
      if (client.status !== 'ready') return undefined;
      try {
        const value = await client.get(key);
        return value ?? undefined;
      } catch (error) {
        options.onError?.(error as Error);
        return undefined;
      }
    },
    async set(key, value, ttlMs) {
      if (client.status !== 'ready') return;
      try {
        await client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
      } catch (error) {
        options.onError?.(error as Error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      client.disconnect(false);
    },
    status() {
      return client.status === 'ready' ? 'up' : client.status === 'connecting' || client.status === 'connect' || client.status === 'reconnecting' ? 'connecting' : 'down';
    },
  };
}
