// Where the queues live: Redis (the default, and what production runs on) — one server or a
// Redis Cluster, which the engine recognises by asking the server (`INFO cluster`) — or
// PostgreSQL through BullMQ's PostgreSQL backend, so that the product can run with no Redis at
// all (`npm run demo` falls back to it when Redis is not reachable). Everything else in the
// engine uses BullMQ's classes as they are and asks this module for their connection.
import { createPostgresBackend, setDefaultBackendFactory, type ConnectionOptions, type PostgresPoolConfig } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import type { QueueBackend } from './names.js';

export interface QueueStore {
  backend: QueueBackend;
  /** where, for messages: host:port (Redis) or host/database (PostgreSQL) */
  where: string;
  /** true when the queues live on a Redis Cluster */
  cluster: boolean;
  /** The connection for a Queue or QueueEvents, or for one Worker (which keeps it for itself). */
  connection(): ConnectionOptions;
  /** Resolves when the store answers; rejects with the driver's error otherwise. */
  ping(): Promise<void>;
  /** Closes every connection handed out (BullMQ leaves connections it is given open). */
  close(): Promise<void>;
}

/** The nodes REDIS_URL names: one URL, or a comma-separated list of a cluster's seed nodes. */
export function redisSeeds(redisUrl: string): URL[] {
  return redisUrl
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => new URL(part));
}

/** Where the queues live, for messages: the seeds' host:port, comma-separated. */
export function redisWhere(redisUrl: string): string {
  return redisSeeds(redisUrl)
    .map((seed) => seed.host)
    .join(',');
}

/** What the seed that answered said: a single Redis (one URL is the server), or a cluster. */
export interface RedisTopology {
  cluster: boolean;
  seeds: URL[];
}

/**
 * Asks the seeds in turn, until one answers, whether the server runs in cluster mode
 * (`INFO cluster`: `cluster_enabled:1`). Rejects with the last seed's error when none answers.
 */
export async function detectRedisTopology(redisUrl: string, timeoutMs = 3_000): Promise<RedisTopology> {
  const seeds = redisSeeds(redisUrl);
  let lastError: unknown = new Error('REDIS_URL names no server');
  for (const seed of seeds) {
    const probe = new Redis(seed.toString(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const info = await probe.info('cluster');
      return { cluster: /^cluster_enabled:1\s*$/m.test(info), seeds };
    } catch (error) {
      lastError = error;
    } finally {
      probe.disconnect();
    }
  }
  throw lastError;
}

export type RedisConnection = Redis | Cluster;

/**
 * A connection for BullMQ. Workers need maxRetriesPerRequest: null so that an outage (or a
 * cluster's failover) makes them wait and reconnect instead of failing jobs; every connection
 * gets it, as the queues' shared one serves the web routes and producers alike.
 */
export function createRedisConnection(topology: RedisTopology): RedisConnection {
  const [first] = topology.seeds;
  if (!first) throw new Error('REDIS_URL names no server');
  if (!topology.cluster) {
    return new Redis(first.toString(), {
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
  }
  // The nodes a cluster reports are reached with the seeds' credentials and TLS.
  const secure = first.protocol === 'rediss:';
  return new Cluster(
    topology.seeds.map((seed) => ({ host: seed.hostname, port: Number(seed.port || 6379) })),
    {
      // ready once CLUSTER INFO says the cluster serves every slot
      enableReadyCheck: true,
      // never give up on the cluster: an outage makes jobs wait, as on a single Redis
      clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      // A master's failover takes the node timeout (a few seconds) plus its replica's election:
      // a command to the lost master is tried again every 200 ms, the slots re-read each time,
      // for 60 tries (about 12 s) before its caller (BullMQ, which retries in turn) sees an error.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      maxRedirections: 60,
      redisOptions: {
        maxRetriesPerRequest: null,
        enableReadyCheck: true,
        ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
        ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
        ...(secure ? { tls: {} } : {}),
      },
    },
  );
}

/** One line for a command's start: where its queues live. */
export function describeQueueStore(store: QueueStore): string {
  if (store.backend === 'postgres') return `queues in PostgreSQL at ${store.where} (schema bullmq)`;
  return store.cluster ? `queues on the Redis Cluster of ${store.where}` : `queues on Redis at ${store.where}`;
}

export async function openQueueStore(settings: { backend: QueueBackend; redisUrl: string; databaseUrl: string }): Promise<QueueStore> {
  return settings.backend === 'redis' ? redisStore(settings.redisUrl) : postgresStore(settings.databaseUrl);
}

async function redisStore(redisUrl: string): Promise<QueueStore> {
  setDefaultBackendFactory(); // BullMQ's own default; one backend per process
  const topology = await detectRedisTopology(redisUrl);
  const shared = createRedisConnection(topology);
  const opened: RedisConnection[] = [shared];
  let handedShared = false;
  return {
    backend: 'redis',
    where: redisWhere(redisUrl),
    cluster: topology.cluster,
    // The first caller (the queues) shares one connection; each later one (a worker, which
    // blocks on its connection) gets its own.
    connection() {
      if (!handedShared) {
        handedShared = true;
        return shared;
      }
      const own = createRedisConnection(topology);
      opened.push(own);
      return own;
    },
    async ping() {
      // A cluster client sends PING to one node; ready means the cluster serves every slot.
      if (topology.cluster && shared.status !== 'ready') throw new Error(`the Redis Cluster is ${shared.status}`);
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
async function postgresStore(databaseUrl: string): Promise<QueueStore> {
  // Process-wide: the engine's queue classes are constructed without a backend argument, so
  // that their code and types are the same on both backends.
  setDefaultBackendFactory(createPostgresBackend);
  const options: PostgresPoolConfig = { connectionString: databaseUrl, migrate: true, max: 3 };
  const url = new URL(databaseUrl);
  return {
    backend: 'postgres',
    cluster: false,
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
