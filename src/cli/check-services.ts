// Before a command starts work: are the services it needs reachable? If not, one line that
// says which, and how to start it.
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from '../config.js';
import { InputError } from '../errors.js';

export const HOW_TO_START = 'start it with: docker compose up -d redis postgres';

/** null when PostgreSQL answers; otherwise why not, in one line. */
export async function postgresProblem(databaseUrl: string): Promise<string | null> {
  // The server, not the database: the migrations create the database when it is missing.
  const serverUrl = new URL(databaseUrl);
  serverUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: serverUrl.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return null;
  } catch (error) {
    return `PostgreSQL is not reachable at ${serverUrl.host} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** null when Redis answers; otherwise why not, in one line. */
export async function redisProblem(redisUrl: string): Promise<string | null> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis is not reachable at ${new URL(redisUrl).host} (${(error as Error).message})`;
  } finally {
    redis.disconnect();
  }
}

/** Throws an InputError naming the first service the config needs that does not answer. */
export async function checkServices(config: Config): Promise<void> {
  const problem = (await postgresProblem(config.databaseUrl)) ?? (config.queueBackend === 'redis' ? await redisProblem(config.redisUrl) : null);
  if (problem) throw new InputError(`${problem}; ${HOW_TO_START}`);
}
