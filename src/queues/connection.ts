// Where the queues live: Redis (the default, and what production runs on), or PostgreSQL
// through BullMQ's PostgreSQL backend, so that the product can run with no Redis at all
// (`npm run demo` falls back to it when Redis is not reachable). Everything else in the engine
// uses BullMQ's classes as they are and asks this module for their connection.
import { createPostgresBackend, setDefaultBackendFactory, type ConnectionOptions, type PostgresPoolConfig } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { QueueBackend } from './names.js';

export interface QueueStore {
  backend: QueueBackend;
  /** where, for messages: host:port (Redis) or host/database (PostgreSQL) */
  where: string;
  /** The connection for a Queue or QueueEvents, or for one Worker (which keeps it for itself). */
  connection(): ConnectionOptions;
  /** Resolves when the store answers; rejects with the driver's error otherwise. */
  ping(): Promise<void>;
  /** Closes every connection handed out (BullMQ leaves connections it is given open). */
  close(): Promise<void>;
}

/** Workers need maxRetriesPerRequest: null so that a Redis outage makes them wait and reconnect instead of failing jobs. */
export function createRedisConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

export function openQueueStore(settings: { backend: QueueBackend; redisUrl: string; databaseUrl: string }): QueueStore {
  return settings.backend === 'redis' ? redisStore(settings.redisUrl) : postgresStore(settings.databaseUrl);
}

function redisStore(redisUrl: string): QueueStore {
  setDefaultBackendFactory(); // BullMQ's own default; one backend per process
  const shared = createRedisConnection(redisUrl);
  const opened: Redis[] = [shared];
  let handedShared = false;
  return {
    backend: 'redis',
    where: new URL(redisUrl).host,
    // The first caller (the queues) shares one connection; each later one (a worker, which
    // blocks on its connection) gets its own.
    connection() {
      if (!handedShared) {
        handedShared = true;
        return shared;
      }
      const own = createRedisConnection(redisUrl);
      opened.push(own);
      return own;
    },
    async ping() {
      await shared.ping();
    },
    async close() {
      for (const connection of opened) connection.disconnect();
    },
  };
}

/**
 * BullMQ's PostgreSQL backend keeps its tables in the `bullmq` schema of the engine's own
 * database and creates them on first use (`migrate: true`). Each queue, worker and event
 * listener owns a small pool of its own, which BullMQ closes with it.
 */
function postgresStore(databaseUrl: string): QueueStore {
  // Process-wide: the engine's queue classes are constructed without a backend argument, so
  // that their code and types are the same on both backends.
  setDefaultBackendFactory(createPostgresBackend);
  const options: PostgresPoolConfig = { connectionString: databaseUrl, migrate: true, max: 3 };
  const url = new URL(databaseUrl);
  return {
    backend: 'postgres',
    where: `${url.host}${url.pathname}`,
    // BullMQ types `connection` after its default (Redis) backend; at run time the backend set
    // above receives it, and it is the PostgreSQL pool config that backend documents.
    connection: () => options as ConnectionOptions,
    async ping() {
      const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
      try {
        await client.connect();
        await client.query('select 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async close() {},
  };
}
