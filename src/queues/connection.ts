// Redis connections for BullMQ. Workers need maxRetriesPerRequest: null so that a Redis
// outage makes them wait and reconnect instead of failing jobs; ioredis reconnects by itself.
import { Redis } from 'ioredis';

export function createRedisConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}
