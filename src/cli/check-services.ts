// Before a command starts work: are the services it needs reachable? If not, one line that
// says which, and how to start it.
import pg from 'pg';
import type { Config } from '../config.js';
import { InputError, errorMessage } from '../errors.js';
import { detectRedisTopology, redisWhere } from '../queues/connection.js';

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

/** null when Redis (one of REDIS_URL's seeds, for a cluster) answers; otherwise why not, in one line. */
export async function redisProblem(redisUrl: string): Promise<string | null> {
  try {
    await detectRedisTopology(redisUrl);
    return null;
  } catch (error) {
    return `Redis is not reachable at ${redisWhere(redisUrl)} (${errorMessage(error)})`;
  }
}

/** Throws an InputError naming the first service the config needs that does not answer. */
export async function checkServices(config: Config): Promise<void> {
  const problem = (await postgresProblem(config.databaseUrl)) ?? (config.queueBackend === 'redis' ? await redisProblem(config.redisUrl) : null);
  if (problem) throw new InputError(`${problem}; ${HOW_TO_START}`);
}
