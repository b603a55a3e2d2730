// Before a command starts work: are Redis and Postgres reachable? If not, one line that says
// which, and how to start it.
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from '../config.js';
import { InputError } from '../errors.js';

const HOW = 'start it with: docker compose up -d redis postgres';

export async function checkServices(config: Config): Promise<void> {
  const pgUrl = new URL(config.databaseUrl);
  pgUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: pgUrl.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new InputError(`PostgreSQL is not reachable at ${pgUrl.host} (${(error as Error).message}); ${HOW}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new InputError(`Redis is not reachable at ${new URL(config.redisUrl).host} (${(error as Error).message}); ${HOW}`);
  } finally {
    redis.disconnect();
  }
}
